"""TLS behind an Ingress: for each `spec.tls` entry, does its Secret exist, and -- when the
cluster serves cert-manager's Certificate -- is the Certificate for that Secret Ready and when
does it expire. Findings for a missing Secret, a Certificate not Ready, and one expiring within
`EXPIRY_WARNING_DAYS` (or expired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import human_duration
from kubectl_stack.model.findings import ERROR, WARN, Finding

EXPIRY_WARNING_DAYS = 14
_DAY = 86400.0


@dataclass(frozen=True)
class TLSStatus:
    """One Ingress TLS entry and what backs it."""

    ingress: str
    namespace: str
    hosts: tuple[str, ...]
    secret: str
    secret_exists: bool | None  # None when Secrets cannot be listed
    certificate: str  # the cert-manager Certificate writing that Secret ('' when none known)
    ready: bool | None  # its Ready condition (None without a Certificate)
    reason: str  # Ready condition reason and message
    message: str
    not_after: str  # RFC 3339 as cert-manager reports it ('' when unknown)
    expires_in: float | None  # seconds from now (negative when expired)


def _names(objs: Sequence[Any] | None, ns: str) -> set[str] | None:
    if objs is None:
        return None
    return {u.name(o) for o in u.dicts(list(objs)) if u.namespace(o) in (ns, "")}


def ingress_tls(
    ingress: Any,
    *,
    secrets: Sequence[Any] | None,
    certificates: Sequence[Any] | None,
    now: float,
) -> tuple[TLSStatus, ...]:
    """The TLS entries of one Ingress. `secrets` (metadata is enough) None when forbidden;
    `certificates` None when the cluster does not serve cert-manager.io Certificates."""
    ing = u.d(ingress)
    ns = u.namespace(ing)
    secret_names = _names(secrets, ns)
    by_secret: dict[str, Mapping[str, Any]] = {}
    for candidate in u.dicts(list(certificates or [])):
        if u.namespace(candidate) in (ns, ""):
            by_secret[u.s(u.path(candidate, "spec", "secretName"))] = candidate
    cert: Mapping[str, Any] | None
    out = []
    for entry in u.dicts(u.path(ing, "spec", "tls")):
        secret = u.s(entry.get("secretName"))
        hosts = tuple(u.s(h) for h in u.lst(entry.get("hosts")) if u.s(h))
        cert = by_secret.get(secret) if secret else None
        ready: bool | None = None
        reason = message = not_after = ""
        expires_in: float | None = None
        if cert is not None:
            ready = False
            for cond in u.dicts(u.path(cert, "status", "conditions")):
                if cond.get("type") == "Ready":
                    ready = cond.get("status") == "True"
                    reason, message = u.s(cond.get("reason")), u.s(cond.get("message"))
            not_after = u.s(u.path(cert, "status", "notAfter"))
            end = u.ts(not_after)
            expires_in = None if end is None else end - now
        out.append(
            TLSStatus(
                ingress=u.name(ing),
                namespace=ns,
                hosts=hosts,
                secret=secret,
                secret_exists=None
                if secret_names is None or not secret
                else secret in secret_names,
                certificate=u.name(cert) if cert is not None else "",
                ready=ready,
                reason=reason,
                message=message,
                not_after=not_after,
                expires_in=expires_in,
            )
        )
    return tuple(out)


def tls_findings(statuses: Sequence[TLSStatus]) -> tuple[Finding, ...]:
    """Findings about TLS entries: secret missing (error), Certificate not Ready (warning, an
    error when the secret is missing too), expired (error) or expiring within 14 days."""
    out: list[Finding] = []
    for st in statuses:
        if st.secret_exists is False:
            text = f"Ingress {st.ingress} TLS secret {st.secret} not found"
            if st.certificate and st.ready is False:
                text += f" (Certificate {st.certificate} not Ready{_why(st)})"
            out.append(Finding(ERROR, "Ingress", st.ingress, text))
        elif st.certificate and st.ready is False:
            out.append(
                Finding(
                    WARN,
                    "Certificate",
                    st.certificate,
                    f"Certificate {st.certificate} for Ingress {st.ingress} not Ready{_why(st)}",
                )
            )
        if st.expires_in is None:
            continue
        if st.expires_in <= 0:
            out.append(
                Finding(
                    ERROR,
                    "Certificate",
                    st.certificate,
                    f"Certificate {st.certificate} expired {human_duration(-st.expires_in)} ago "
                    f"(notAfter {st.not_after})",
                )
            )
        elif st.expires_in <= EXPIRY_WARNING_DAYS * _DAY:
            out.append(
                Finding(
                    WARN,
                    "Certificate",
                    st.certificate,
                    f"Certificate {st.certificate} expires in {human_duration(st.expires_in)} "
                    f"(notAfter {st.not_after})",
                )
            )
    return tuple(out)


def _why(st: TLSStatus) -> str:
    detail = ": ".join(p for p in (st.reason, st.message) if p)
    return f": {detail}" if detail else ""
