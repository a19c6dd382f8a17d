"""Import aiohttp without its start-up cost in certificates.

``aiohttp.connector`` builds two default SSL contexts when imported, and each loads the
system's whole CA bundle (``set_default_verify_paths``): about 140 ms of CPU on every start,
half of what ``kubectl stack --once`` spends importing. The app never uses them: every request
passes the context its kubeconfig asks for (:func:`.connection.build_ssl_context`), or
``False`` for plain HTTP. So aiohttp is imported while ``set_default_verify_paths`` only
notes the contexts that ask for it, which then become :class:`DeferredDefaultCerts`: they
load the default CA paths when they first wrap a connection, and work exactly as before if
something ever uses them.
"""

from __future__ import annotations

import ssl
import sys
from typing import Any


class DeferredDefaultCerts(ssl.SSLContext):
    """An :class:`ssl.SSLContext` that loads the default CA paths on first use, not when
    asked to."""

    _default_paths_wanted = False

    def set_default_verify_paths(self) -> None:
        self._default_paths_wanted = True

    def _load_wanted(self) -> None:
        if self._default_paths_wanted:
            self._default_paths_wanted = False
            super().set_default_verify_paths()

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_wanted()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_wanted()
        return super().wrap_bio(*args, **kwargs)


def import_aiohttp() -> None:
    """Import aiohttp (once) with its default contexts deferred (see the module)."""
    if "aiohttp" in sys.modules:
        return
    deferred: list[ssl.SSLContext] = []

    def note(context: ssl.SSLContext) -> None:
        deferred.append(context)

    ssl.SSLContext.set_default_verify_paths = note  # type: ignore[assignment,method-assign]
    try:
        import aiohttp  # noqa: F401
    finally:
        del ssl.SSLContext.set_default_verify_paths  # the inherited method again
    for context in deferred:
        context.__class__ = DeferredDefaultCerts
        context.set_default_verify_paths()
