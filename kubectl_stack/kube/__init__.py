"""Talking to a cluster: connection, informers, store, actions, logs. Never imports Textual.

- :mod:`.kubeconfig` resolves kubeconfig files and kubectl's flags exactly as kubectl does.
- :mod:`.connection`: ``await connect(options) -> Connection`` (one aiohttp session; raises a
  ``ConnectionFailed`` subclass with a one-line ``message``); ``ApiError`` for Status errors.
- :mod:`.store`: ``ClusterState``, the cache the UI reads and subscribes to.
- :mod:`.interner`: ``Interner``, the store's sharing of equal parts of its objects.
- :mod:`.informer`: ``Informers(connection, state, namespace | None)``; ``start()``,
  ``wait_synced()``, ``want_metrics()``, ``stop()``.
- :mod:`.actions`: scale, rollout undo / restart / pause / resume, delete pod ->
  ``ActionResult``.
- :mod:`.logs`: ``LogStream`` for one pod or a whole Deployment.
"""

from ._certs import import_aiohttp

import_aiohttp()
