"""A simulated cert-manager: a Certificate is Ready once the Secret it writes exists.

Only Certificates that are not Ready are acted on: while ``spec.secretName`` is missing the
Ready condition is False (``DoesNotExist``, as cert-manager reports before issuing); when the
Secret appears (``kubectl create secret tls``) it turns True with a 90-day ``notAfter``. A
scenario can pin a Ready certificate's expiry relative to the build with the annotation
``sim.kubectl-stack.io/not-after-seconds``.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import TYPE_CHECKING

from ..store import Event, NotFound, Obj
from .base import status_of

if TYPE_CHECKING:
    from . import Context

CERTIFICATES = "certificates.cert-manager.io"
NOT_AFTER = "sim.kubectl-stack.io/not-after-seconds"
LIFETIME = 90 * 86400.0
COMPONENT = "cert-manager-certificates-trigger"


def _ready(cert: Obj) -> str | None:
    for cond in status_of(cert).get("conditions") or []:
        if cond.get("type") == "Ready":
            return str(cond.get("status"))
    return None


class CertManager:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(CERTIFICATES, self._on_certificate)
        store.add_listener("secrets", self._on_secret)

    def _on_certificate(self, event: Event) -> None:
        if event.type == "DELETED":
            return
        meta = event.obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        self.cluster.clock.call_later(0, lambda: self.sync(*key))

    def _on_secret(self, event: Event) -> None:
        if event.type != "ADDED":
            return
        ns = event.obj["metadata"].get("namespace", "")
        store = self.cluster.store
        if store.get("customresourcedefinitions.apiextensions.k8s.io", "", CERTIFICATES) is None:
            return
        for cert in store.list(CERTIFICATES, ns):
            if (cert.get("spec") or {}).get("secretName") == event.obj["metadata"]["name"]:
                self.cluster.clock.call_later(0, partial(self.sync, ns, cert["metadata"]["name"]))

    def sync(self, namespace: str, name: str) -> None:
        store = self.cluster.store
        cert = store.get(CERTIFICATES, namespace, name)
        if cert is None:
            return
        now = self.cluster.clock.now()
        pinned = (cert["metadata"].get("annotations") or {}).get(NOT_AFTER)
        if _ready(cert) == "True":
            if pinned and "notAfter" not in status_of(cert):
                with contextlib.suppress(ValueError):
                    self._write(cert, True, "", now + float(pinned))
            return
        secret = (cert.get("spec") or {}).get("secretName", "")
        exists = bool(secret) and store.get("secrets", namespace, str(secret)) is not None
        if exists:
            self._write(cert, True, "", now + LIFETIME)
            self.ctx.recorder.record(
                cert, "Normal", "Issuing", "The certificate has been successfully issued", COMPONENT
            )
        elif _ready(cert) is None:
            self._write(cert, False, "Issuing certificate as Secret does not exist", None)

    def _write(self, cert: Obj, ready: bool, message: str, not_after: float | None) -> None:
        clock = self.cluster.clock
        condition = {
            "type": "Ready",
            "status": "True" if ready else "False",
            "reason": "Ready" if ready else "DoesNotExist",
            "message": message or "Certificate is up to date and has not expired",
            "lastTransitionTime": clock.timestamp(),
            "observedGeneration": cert["metadata"].get("generation", 1),
        }

        def write(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status["conditions"] = [condition]
            if not_after is not None:
                status["notBefore"] = clock.timestamp()
                status["notAfter"] = clock.timestamp(not_after)
                status["renewalTime"] = clock.timestamp(not_after - LIFETIME / 3)

        with contextlib.suppress(NotFound, KeyError):
            self.cluster.store.mutate(
                CERTIFICATES, cert["metadata"].get("namespace", ""), cert["metadata"]["name"], write
            )
