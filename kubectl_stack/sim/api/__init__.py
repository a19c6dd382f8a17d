"""The Kubernetes API surface of the embedded cluster: routing, discovery, tables, selectors,
patches, watches and logs. :mod:`kubectl_stack.sim.server` assembles it into an aiohttp app."""
