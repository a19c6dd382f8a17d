"""The Kubernetes API surface of the embedded cluster: routing, discovery, tables, selectors,
patches, watches and logs. :mod:`kubectl_stack_sim.server` assembles it into an aiohttp app."""
