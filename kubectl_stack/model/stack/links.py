"""A stack's links: the Services selecting its pods (with endpoint readiness), the Ingress
routes to them (TLS included), the ConfigMaps / Secrets / PVCs its template references, its
HPAs' metrics, and the broken links among them as findings. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.findings import ERROR, WARN, Finding
from kubectl_stack.model.hpa import Hpa
from kubectl_stack.model.stack.index import _endpoint_counts, _Index, _services_for
from kubectl_stack.model.stack.views import (
    ConfigRef,
    IngressRoute,
    ServiceLink,
)
from kubectl_stack.model.tls import EXPIRY_WARNING_DAYS, ingress_tls, tls_findings


def _port_text(svc: Mapping[str, Any]) -> str:
    parts = []
    for p in u.dicts(u.path(svc, "spec", "ports")):
        port = u.i(p.get("port"))
        target = p.get("targetPort")
        target_text = str(target) if isinstance(target, (int, str)) and target != "" else ""
        parts.append(f"{port}→{target_text}" if target_text else str(port))
    return ", ".join(parts)


def _container_port_names(template: Mapping[str, Any]) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    numbers: set[int] = set()
    for key in ("containers", "initContainers"):
        for c in u.dicts(u.path(template, "spec", key)):
            for p in u.dicts(c.get("ports")):
                if u.s(p.get("name")):
                    names.add(u.s(p.get("name")))
                if u.opt_i(p.get("containerPort")) is not None:
                    numbers.add(u.i(p.get("containerPort")))
    return names, numbers


def _config_refs(
    index: _Index, ns: str, template: Mapping[str, Any]
) -> tuple[tuple[ConfigRef, ...], list[Finding]]:
    uses: dict[tuple[str, str], list[str]] = defaultdict(list)
    optional: dict[tuple[str, str], bool] = {}

    def add(kind: str, name: str, use: str, opt: Any) -> None:
        if not name:
            return
        key = (kind, name)
        if use not in uses[key]:
            uses[key].append(use)
        optional[key] = optional.get(key, True) and opt is True

    spec = u.d(template.get("spec"))
    for ckey in ("initContainers", "containers"):
        for c in u.dicts(spec.get(ckey)):
            for ef in u.dicts(c.get("envFrom")):
                cm = u.d(ef.get("configMapRef"))
                add("ConfigMap", u.s(cm.get("name")), "envFrom", cm.get("optional"))
                sec = u.d(ef.get("secretRef"))
                add("Secret", u.s(sec.get("name")), "envFrom", sec.get("optional"))
            for env in u.dicts(c.get("env")):
                vf = u.d(env.get("valueFrom"))
                var = u.s(env.get("name"))
                cmk = u.d(vf.get("configMapKeyRef"))
                add("ConfigMap", u.s(cmk.get("name")), f"env {var}", cmk.get("optional"))
                sk = u.d(vf.get("secretKeyRef"))
                add("Secret", u.s(sk.get("name")), f"env {var}", sk.get("optional"))
    for vol in u.dicts(spec.get("volumes")):
        vname = u.s(vol.get("name"))
        cm = u.d(vol.get("configMap"))
        add("ConfigMap", u.s(cm.get("name")), f"volume {vname}", cm.get("optional"))
        sec = u.d(vol.get("secret"))
        add("Secret", u.s(sec.get("secretName")), f"volume {vname}", sec.get("optional"))
        pvc = u.d(vol.get("persistentVolumeClaim"))
        add("PersistentVolumeClaim", u.s(pvc.get("claimName")), f"volume {vname}", False)
        for src in u.dicts(u.path(vol, "projected", "sources")):
            pcm = u.d(src.get("configMap"))
            add("ConfigMap", u.s(pcm.get("name")), f"volume {vname}", pcm.get("optional"))
            psec = u.d(src.get("secret"))
            add("Secret", u.s(psec.get("name")), f"volume {vname}", psec.get("optional"))
    table_kind = {
        "ConfigMap": "configmaps",
        "Secret": "secrets",
        "PersistentVolumeClaim": "persistentvolumeclaims",
    }
    refs: list[ConfigRef] = []
    findings: list[Finding] = []
    for (kind, name), used in uses.items():
        exists = index.exists(table_kind[kind], ns, name)
        phase = ""
        if kind == "PersistentVolumeClaim" and exists:
            table = index.names.get("persistentvolumeclaims") or {}
            phase = u.s(u.path(table.get(ns, {}).get(name), "status", "phase"))
            if phase != "Bound":
                state = f"{phase}, not Bound" if phase else "not Bound"
                findings.append(Finding(WARN, kind, name, f"PVC {name} is {state}"))
        opt = optional.get((kind, name), False)
        if exists is False and not opt:
            findings.append(
                Finding(ERROR, kind, name, f"{kind} {name} not found (used by {', '.join(used)})")
            )
        refs.append(ConfigRef(kind, name, tuple(used), opt, exists, phase))
    return tuple(refs), findings


def _hpa_findings(view: Hpa) -> list[Finding]:
    if view.metrics_available or not view.metrics:
        return []
    active = next((c for c in view.conditions if c.type == "ScalingActive"), None)
    why = f": {active.reason}" if active is not None and active.reason else ""
    return [
        Finding(
            WARN, "HorizontalPodAutoscaler", view.name, f"HPA {view.name} metrics unavailable{why}"
        )
    ]


def _raw_labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The labels mapping as stored (no copy); values are compared, never trusted as str."""
    return u.d(u.meta(obj).get("labels"))


def _labels_match(have: Mapping[str, Any], wanted: tuple[tuple[str, str], ...]) -> bool:
    return all(have.get(k) == v for k, v in wanted)


def _links(
    index: _Index,
    ns: str,
    name: str,
    template: Mapping[str, Any],
    pod_objs: list[Mapping[str, Any]],
    desired: int,
    detail: bool,
) -> tuple[list[ServiceLink], list[IngressRoute], list[Finding], float]:
    """The Services selecting the workload's pods, the Ingress routes to them and the broken
    links among them (TLS included), and until when those findings hold."""
    findings: list[Finding] = []
    horizon = float("inf")
    # Services whose selector matches the pod template's labels.
    tmpl_labels = u.labels(template)
    port_names, port_numbers = _container_port_names(template)
    services: list[ServiceLink] = []
    routes: list[IngressRoute] = []
    for svc in _services_for(index, ns, tmpl_labels) if index.services is not None else []:
        sname = u.name(svc)
        selector = u.str_map(u.path(svc, "spec", "selector"))
        wanted = tuple(selector.items())
        matching = (p for p in pod_objs if _labels_match(_raw_labels(p), wanted))
        # The summary only needs to know whether any pod is selected.
        selects = sum(1 for _ in matching) if detail else int(next(matching, None) is not None)
        ready, not_ready = _endpoint_counts(index, ns, sname)
        services.append(
            ServiceLink(
                sname,
                u.s(u.path(svc, "spec", "type")) or "ClusterIP",
                _port_text(svc),
                ready,
                not_ready,
                selects,
            )
        )
        if desired > 0 and selects == 0:
            findings.append(Finding(ERROR, "Service", sname, f"Service {sname} selects no pod"))
        elif desired > 0 and ready == 0 and index.slices is not None:
            findings.append(
                Finding(
                    ERROR,
                    "Service",
                    sname,
                    f"Service {sname} has no ready endpoints (0 of {ready + not_ready})",
                )
            )
        for p in u.dicts(u.path(svc, "spec", "ports")):
            target = p.get("targetPort")
            if isinstance(target, str) and target and target not in port_names:
                findings.append(
                    Finding(
                        ERROR,
                        "Service",
                        sname,
                        f"Service {sname} targetPort {target} matches no container port",
                    )
                )
            elif (
                isinstance(target, int)
                and not isinstance(target, bool)
                and port_numbers
                and target not in port_numbers
            ):
                findings.append(
                    Finding(
                        WARN,
                        "Service",
                        sname,
                        f"Service {sname} targetPort {target} is not a declared container port",
                    )
                )
        svc_ports = u.dicts(u.path(svc, "spec", "ports"))
        for route in index.routes_by_svc.get((ns, sname), ()):
            routes.append(route)
            numbers = {str(u.i(p.get("port"))) for p in svc_ports}
            names = {u.s(p.get("name")) for p in svc_ports if u.s(p.get("name"))}
            if route.port and route.port not in numbers and route.port not in names:
                findings.append(
                    Finding(
                        ERROR,
                        "Ingress",
                        route.ingress,
                        f"Ingress "
                        f"{route.ingress} routes to {sname}:{route.port}, "
                        "a port the Service does not have",
                    )
                )
    # A Service named after the Deployment whose selector misses its pods is a broken link
    # (a typo in the selector), not a stranger.
    same_name = index.svc_names.get(ns, {}).get(name) if index.services is not None else None
    if same_name is not None and all(s.name != name for s in services):
        selector = u.str_map(u.path(same_name, "spec", "selector"))
        ready, not_ready = _endpoint_counts(index, ns, name)
        services.append(
            ServiceLink(
                name,
                u.s(u.path(same_name, "spec", "type")) or "ClusterIP",
                _port_text(same_name),
                ready,
                not_ready,
                0,
            )
        )
        shown = ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"
        findings.append(
            Finding(ERROR, "Service", name, f"Service {name} selects no pod (selector {shown})")
        )
    # Routes to a Service that does not exist are pinned on the stack of the same name.
    for route in index.routes_to_missing.get(ns, ()):
        if route.service == name and index.services is not None:
            routes.append(route)
            findings.append(
                Finding(
                    ERROR,
                    "Ingress",
                    route.ingress,
                    f"Ingress {route.ingress} routes to missing Service {route.service}",
                )
            )
    # TLS of every Ingress routing here: its secret, and its cert-manager Certificate when
    # the cluster serves them (one finding per problem, the Certificate's reason included).
    secrets = index.names.get("secrets")
    in_ns = None if secrets is None else list(secrets.get(ns, {}).values())
    for ingress in dict.fromkeys(r.ingress for r in routes):
        statuses = ingress_tls(
            index.ingress_names.get(ns, {}).get(ingress),
            secrets=in_ns,
            certificates=index.certificates,
            now=index.now,
        )
        findings.extend(tls_findings(statuses))
        for st in statuses:
            if st.expires_in is not None:
                end = index.now + st.expires_in
                for change in (end - EXPIRY_WARNING_DAYS * 86400.0, end):
                    if change > index.now:
                        horizon = min(horizon, change)
    return services, routes, findings, horizon
