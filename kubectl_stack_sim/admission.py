"""What a real API server does to an object between the request and storage.

:func:`admit` applies API defaulting (the values a real apiserver fills in), the mutating
admission that every cluster runs (service account token volume, default tolerations,
priority), server-owned fields (status reset on create, status kept on update, generation
bumps, Service clusterIP allocation) and then validation, raising :class:`Invalid` with the
causes and messages a real apiserver returns.
"""

from __future__ import annotations

import ipaddress
import re
import weakref
from typing import Any

from . import cron, limitranges, quantity, quota
from .cluster import Cluster
from .names import random_suffix
from .objects import labels_match, selector_matches
from .resources import BY_GR
from .store import Store, clone

Obj = dict[str, Any]
Cause = dict[str, str]

# ---------------------------------------------------------------------------------------
# Errors


class Forbidden(Exception):
    """403 from an admission plugin. ``str(e)`` is the Status message (what kubectl prints
    after ``Error from server (Forbidden):`` and what a controller's FailedCreate event says)."""

    def __init__(self, plural: str, name: str, reason: str) -> None:
        self.plural = plural
        self.name = name
        super().__init__(f'{plural} "{name}" is forbidden: {reason}')

    def status(self) -> Obj:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": str(self),
            "reason": "Forbidden",
            "details": {"name": self.name, "kind": self.plural},
            "code": 403,
        }


class Invalid(Exception):
    """422 Invalid. ``str(e)`` is what kubectl prints; :meth:`status` is the response body."""

    def __init__(self, kind: str, name: str, causes: list[Cause], group: str = "") -> None:
        self.kind = kind
        self.name = name
        self.group = group
        self.causes = causes
        lines = [
            f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes
        ]
        head = f"The {kind} {_go_quote(name)} is invalid: "
        if len(lines) == 1:
            message = head + lines[0]
        else:
            message = head + "\n" + "".join(f"* {line}\n" for line in lines)
        super().__init__(message)
        qualified = f"{kind}.{group}" if group else kind
        joined = lines[0] if len(lines) == 1 else "[" + ", ".join(lines) + "]"
        self.status_message = f"{qualified} {_go_quote(name)} is invalid: {joined}"

    def status(self) -> Obj:
        """The ``kind: Status`` body of the 422 response."""
        details: Obj = {"name": self.name, "kind": self.kind, "causes": self.causes}
        if self.group:
            details["group"] = self.group
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.status_message,
            "reason": "Invalid",
            "details": details,
            "code": 422,
        }


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_value(value: Any) -> str:
    """A Go-formatted bad value, as field.Error prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _go_quote(value)
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            inner = ", ".join(f"{_go_quote(k)}:{_go_quote(v)}" for k, v in sorted(value.items()))
            return "map[string]string{" + inner + "}"
        return "map[string]interface {}{...}"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return "[]string{" + ", ".join(_go_quote(v) for v in value) + "}"
        return "[]interface {}{...}"
    return str(value)


def _selector_value(selector: Any) -> str:
    sel = selector if isinstance(selector, dict) else {}
    labels = sel.get("matchLabels")
    ml = "map[string]string(nil)" if not labels else _go_value(labels)
    me = (
        "[]v1.LabelSelectorRequirement(nil)"
        if not sel.get("matchExpressions")
        else "[]v1.LabelSelectorRequirement{...}"
    )
    return f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{me}}}"


class _Errors:
    def __init__(self) -> None:
        self.causes: list[Cause] = []

    def required(self, field: str, detail: str = "") -> None:
        msg = "Required value" + (f": {detail}" if detail else "")
        self.causes.append({"reason": "FieldValueRequired", "message": msg, "field": field})

    def invalid(self, field: str, value: Any, detail: str, *, raw: bool = False) -> None:
        shown = value if raw else _go_value(value)
        msg = f"Invalid value: {shown}" + (f": {detail}" if detail else "")
        self.causes.append({"reason": "FieldValueInvalid", "message": msg, "field": field})

    def not_supported(self, field: str, value: Any, supported: list[str]) -> None:
        options = ", ".join(_go_quote(s) for s in supported)
        msg = f"Unsupported value: {_go_value(value)}: supported values: {options}"
        self.causes.append({"reason": "FieldValueNotSupported", "message": msg, "field": field})

    def forbidden(self, field: str, detail: str) -> None:
        msg = f"Forbidden: {detail}"
        self.causes.append({"reason": "FieldValueForbidden", "message": msg, "field": field})

    def duplicate(self, field: str, value: Any) -> None:
        msg = f"Duplicate value: {_go_value(value)}"
        self.causes.append({"reason": "FieldValueDuplicate", "message": msg, "field": field})


# ---------------------------------------------------------------------------------------
# Entry point


def admit(
    cluster: Cluster,
    gr: str,
    obj: Obj,
    old: Obj | None,
    *,
    server_named: bool = False,
    dry_run: bool = False,
) -> Obj:
    """Default, mutate and validate ``obj`` (a fresh dict the caller owns) for a create
    (``old`` None) or an update of ``old``; returns the object to store.

    Raises :class:`Invalid` with kubectl's message and the apiserver's causes. Not for
    status subresource writes (those go to the store as sent). ``server_named``: the name
    stands for the one the API server would generate from ``generateName`` (a controller's
    pod), so admission names the object by its generateName."""
    rtype = BY_GR[gr]
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    # Admission plugins run before the name is generated: they name the object by its
    # generateName (admission.NewForbidden's extractResourceName).
    given = None if server_named else meta.get("name")
    admitted_name = str(given or meta.get("generateName") or meta.get("name") or "Unknown")
    if old is None and not meta.get("name") and meta.get("generateName"):
        meta["name"] = str(meta["generateName"]) + random_suffix(cluster.store.rng)
    obj["apiVersion"] = rtype.api_version()
    obj["kind"] = rtype.kind
    if not rtype.namespaced:
        meta.pop("namespace", None)
    elif not meta.get("namespace"):
        meta["namespace"] = "default"

    defaulter = _DEFAULTERS.get(gr)
    if defaulter is not None:
        defaulter(cluster, obj, old)
    if gr == "pods" and old is None:
        limitranges.mutate_pod(cluster.store, obj)
        _check_service_account(cluster, obj, admitted_name)
    if old is None:
        _prepare_create(gr, obj)
        if gr == "jobs.batch":
            # The API server gives the uid before validation; the selector is made from it.
            meta["uid"] = cluster.store.new_uid()
            _generate_job_selector(obj)
    else:
        _prepare_update(gr, obj, old)

    errs = _Errors()
    _validate_meta(gr, obj, errs)
    validator = _VALIDATORS.get(gr)
    if validator is not None:
        validator(obj, old, errs)
    if errs.causes:
        raise Invalid(rtype.kind, str(meta.get("name") or ""), errs.causes, rtype.group)
    refused = limitranges.refusal(cluster.store, gr, obj, old)
    if refused:
        raise Forbidden(rtype.gr, admitted_name, refused)
    if old is None:
        try:
            quota.admit(cluster.store, gr, obj, dry_run=dry_run)
        except quota.Refused as exc:
            raise Forbidden(rtype.gr, admitted_name, str(exc)) from None
    return obj


_STATUS_ON_CREATE: dict[str, Any] = {
    "deployments.apps": {},
    "replicasets.apps": {"replicas": 0},
    "replicationcontrollers": {"replicas": 0},
    "horizontalpodautoscalers.autoscaling": {"currentReplicas": 0, "desiredReplicas": 0},
    "services": {"loadBalancer": {}},
    "ingresses.networking.k8s.io": {"loadBalancer": {}},
    "persistentvolumeclaims": {"phase": "Pending"},
    "persistentvolumes": {"phase": "Pending"},
    "resourcequotas": {},
    "apiservices.apiregistration.k8s.io": {},
    "namespaces": {"phase": "Active"},
}


def _prepare_create(gr: str, obj: Obj) -> None:
    meta = obj["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"):
        meta.pop(key, None)
    if gr in _STATUS_ON_CREATE:
        obj["status"] = clone(_STATUS_ON_CREATE[gr])
    elif gr == "pods":
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}


def _prepare_update(gr: str, obj: Obj, old: Obj) -> None:
    meta, old_meta = obj["metadata"], old["metadata"]
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    if "status" in BY_GR[gr].subresources or gr == "pods":
        if "status" in old:
            obj["status"] = old["status"]
        else:
            obj.pop("status", None)
    if "generation" in old_meta:
        changed = obj.get("spec") != old.get("spec")
        if gr == "deployments.apps":
            changed = changed or meta.get("annotations") != old_meta.get("annotations")
        meta["generation"] = old_meta["generation"] + (1 if changed else 0)


# ---------------------------------------------------------------------------------------
# Defaulting


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _pull_policy(image: str) -> str:
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    if "@" in image:
        return "IfNotPresent"
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def _default_container(c: Any) -> None:
    if not isinstance(c, dict):
        return
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("imagePullPolicy", _pull_policy(str(c.get("image") or "")))
    c.setdefault("resources", {})
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for env in c.get("env") or []:
        ref = env.get("valueFrom", {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(ref, dict):
            ref.setdefault("apiVersion", "v1")
    resources = c["resources"]
    # Limits without requests: requests default to the limits.
    if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
        requests = resources.setdefault("requests", {})
        for name, value in resources["limits"].items():
            requests.setdefault(name, value)
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        _default_probe(c.get(kind))


def _default_pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            _default_container(c)
    for vol in spec.get("volumes") or []:
        if not isinstance(vol, dict):
            continue
        for src in ("configMap", "secret"):
            if isinstance(vol.get(src), dict):
                vol[src].setdefault("defaultMode", 420)


def _default_template(obj: Obj) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("template"), dict):
        template = spec["template"]
        template.setdefault("metadata", {})
        _default_pod_spec(template.setdefault("spec", {}))


def default_rolling_update(spec: Obj, field: str, **rolling: Any) -> None:
    """Default ``spec[field]`` (a workload's update strategy) to RollingUpdate, and a
    RollingUpdate's ``rollingUpdate`` parameters to ``rolling``."""
    strategy = spec.setdefault(field, {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            params = strategy.setdefault("rollingUpdate", {})
            if isinstance(params, dict):
                for key, value in rolling.items():
                    params.setdefault(key, value)


def _default_deployment(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    default_rolling_update(spec, "strategy", maxUnavailable="25%", maxSurge="25%")
    _default_template(obj)


def _default_replicaset(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("replicas", 1)
    _default_template(obj)


def _default_replicationcontroller(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """core/v1 SetDefaults_ReplicationController: the selector and the object's labels from
    the template's labels when empty, one replica."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    template = spec.get("template")
    labels = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        if not obj["metadata"].get("labels"):
            obj["metadata"]["labels"] = dict(labels)
    spec.setdefault("replicas", 1)
    _default_template(obj)


_DEFAULT_TOLERATIONS = [
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
]


def _default_pod(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    _default_pod_spec(spec)
    if old is not None:
        return
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    tolerations = spec.setdefault("tolerations", [])
    if isinstance(tolerations, list):
        keys = {t.get("key") for t in tolerations if isinstance(t, dict)}
        tolerations.extend(clone(t) for t in _DEFAULT_TOLERATIONS if t["key"] not in keys)
    # The ServiceAccount admission plugin's projected token volume.
    volumes = spec.setdefault("volumes", [])
    if isinstance(volumes, list) and spec.get("automountServiceAccountToken") is not False:
        vol_name = "kube-api-access-" + random_suffix(cluster.store.rng)
        volumes.append(_token_volume(vol_name))
        for c in spec.get("containers") or []:
            if isinstance(c, dict):
                c.setdefault("volumeMounts", []).append(
                    {
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        "name": vol_name,
                        "readOnly": True,
                    }
                )


def _check_service_account(cluster: Cluster, pod: Obj, name: str) -> None:
    """The ServiceAccount admission plugin refuses a pod whose account does not exist."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    account = str(spec.get("serviceAccountName") or "default")
    namespace = str(pod["metadata"].get("namespace") or "default")
    if cluster.store.get("serviceaccounts", namespace, account) is None:
        raise Forbidden(
            "pods",
            name,
            f"error looking up service account {namespace}/{account}: "
            f'serviceaccount "{account}" not found',
        )


def _token_volume(name: str) -> Obj:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        "name": "kube-root-ca.crt",
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {
                                    "apiVersion": "v1",
                                    "fieldPath": "metadata.namespace",
                                },
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }


def qos_class(spec: Obj) -> str:
    """The pod's QoS class (Guaranteed, Burstable, BestEffort) from its containers' resources."""
    containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    any_set = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in lim or quantity.parse(req.get(name, lim[name])) != quantity.parse(
                lim[name]
            ):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


# Cluster IPs handed out per store: scanning every Service per allocation is quadratic for
# bulk scenarios. An IP stays taken after its Service is deleted, like the allocator's
# recently-released grace.
_ALLOCATED: weakref.WeakKeyDictionary[Store, set[str]] = weakref.WeakKeyDictionary()


def _allocate_cluster_ip(cluster: Cluster) -> str:
    used = _ALLOCATED.get(cluster.store)
    if used is None:
        used = _ALLOCATED[cluster.store] = {
            str(s.get("spec", {}).get("clusterIP"))
            for s in cluster.store.iter("services")
            if s.get("spec")
        }
    rng = cluster.store.rng
    size = SERVICE_CIDR.num_addresses
    while True:
        # Addresses below .16 are reserved for static allocation, as the apiserver does.
        ip = str(SERVICE_CIDR.network_address + 16 + rng.randrange(size - 32))
        if ip not in used:
            used.add(ip)
            return ip


def _allocate_node_port(cluster: Cluster) -> int:
    used = {
        p.get("nodePort")
        for s in cluster.store.iter("services")
        for p in (s.get("spec") or {}).get("ports") or []
    }
    while True:
        port = 30000 + cluster.store.rng.randrange(2768)
        if port not in used:
            return port


def _default_service(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])
    if spec["type"] == "ExternalName":
        return
    old_spec = (old or {}).get("spec") or {}
    if not spec.get("clusterIP") and old_spec.get("clusterIP"):
        spec["clusterIP"] = old_spec["clusterIP"]
    if not spec.get("clusterIP"):
        spec["clusterIP"] = _allocate_cluster_ip(cluster)
    spec["clusterIPs"] = [spec["clusterIP"]]
    if spec["clusterIP"] != "None":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        old_ports = {p.get("port"): p.get("nodePort") for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and not port.get("nodePort"):
                port["nodePort"] = old_ports.get(port.get("port")) or _allocate_node_port(cluster)
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


_SCALE_UP_DEFAULT: Obj = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_SCALE_DOWN_DEFAULT: Obj = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}


def _default_hpa(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("minReplicas", 1)
    if "metrics" not in spec:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    behavior = spec.setdefault("behavior", {})
    if isinstance(behavior, dict):
        for key, default in (("scaleUp", _SCALE_UP_DEFAULT), ("scaleDown", _SCALE_DOWN_DEFAULT)):
            rules = behavior.setdefault(key, {})
            if isinstance(rules, dict):
                rules.setdefault(
                    "stabilizationWindowSeconds", default["stabilizationWindowSeconds"]
                )
                rules.setdefault("selectPolicy", default["selectPolicy"])
                rules.setdefault("policies", clone(default["policies"]))


def _default_namespace(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    meta = obj["metadata"]
    labels = meta.setdefault("labels", {})
    if isinstance(labels, dict) and meta.get("name"):
        labels["kubernetes.io/metadata.name"] = meta["name"]
    obj["spec"] = {"finalizers": ["kubernetes"]}


def _default_secret(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    obj.setdefault("type", "Opaque")


# The StorageObjectInUseProtection admission plugin's finalizer on every new claim.
PVC_PROTECTION = "kubernetes.io/pvc-protection"


def _default_pvc(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
    finalizers = obj["metadata"].setdefault("finalizers", [])
    if old is None and isinstance(finalizers, list) and PVC_PROTECTION not in finalizers:
        finalizers.append(PVC_PROTECTION)


# The same plugin's finalizer on every new volume.
PV_PROTECTION = "kubernetes.io/pv-protection"


def _default_pv(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """core/v1 SetDefaults_PersistentVolume (Retain, Filesystem; a hostPath's type "") and
    StorageObjectInUseProtection's finalizer."""
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")
        if isinstance(spec.get("hostPath"), dict):
            spec["hostPath"].setdefault("type", "")
    finalizers = obj["metadata"].setdefault("finalizers", [])
    if old is None and isinstance(finalizers, list) and PV_PROTECTION not in finalizers:
        finalizers.append(PV_PROTECTION)


def _default_limitrange(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    for item in (obj.get("spec") or {}).get("limits") or []:
        if isinstance(item, dict):
            limitranges.default_item(item)


def _default_ingress(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    for rule in (obj.get("spec") or {}).get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            if isinstance(path, dict):
                path.setdefault("pathType", "ImplementationSpecific")


JOB_NAME = "batch.kubernetes.io/job-name"
JOB_UID = "batch.kubernetes.io/controller-uid"


def _default_job(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """batch/v1 SetDefaults_Job: one completion at a time, six retries, NonIndexed."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if spec.get("manualSelector") is None:
        spec.pop("manualSelector", None)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    template = spec.get("template")
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        pod_spec = template.setdefault("spec", {})
        if isinstance(pod_spec, dict):
            # A pod template's restartPolicy defaults to Always, which a Job then refuses.
            pod_spec.setdefault("restartPolicy", "Always")
            _default_pod_spec(pod_spec)


def _default_cronjob(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """batch/v1 SetDefaults_CronJob, and the job template's own defaults."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    template = spec.get("jobTemplate")
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        inner = template.setdefault("spec", {})
        if isinstance(inner, dict):
            # The template's spec is a Job's, defaulted the same way (no selector is made).
            _default_job(cluster, {"spec": inner}, None)


def _validate_cronjob(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateCronJob: a schedule the cron parser reads, a known time zone and policy, and a
    job template a Job would accept."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    schedule = spec.get("schedule")
    if not schedule:
        errs.required("spec.schedule")
    else:
        try:
            cron.parse(str(schedule))
        except cron.CronError as exc:
            errs.invalid("spec.schedule", schedule, str(exc))
    zone = spec.get("timeZone")
    if zone is not None:
        try:
            cron.parse("* * * * *", str(zone))
        except cron.CronError:
            errs.invalid("spec.timeZone", zone, "unknown time zone " + str(zone))
    policy = spec.get("concurrencyPolicy")
    if policy not in ("Allow", "Forbid", "Replace"):
        errs.not_supported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"])
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        _validate_non_negative(spec.get(key), f"spec.{key}", errs)
    template = spec.get("jobTemplate")
    inner = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(inner, dict):
        errs.required("spec.jobTemplate.spec.template")
        return
    nested = _Errors()
    _validate_job({"spec": inner}, None, nested)
    for cause in nested.causes:
        errs.causes.append({**cause, "field": "spec.jobTemplate." + cause["field"]})


def _generate_job_selector(obj: Obj) -> None:
    """The Job strategy's generateSelector: the uid-based selector and template labels."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    meta = obj["metadata"]
    uid, name = str(meta["uid"]), str(meta.get("name", ""))
    spec["selector"] = {"matchLabels": {JOB_UID: uid}}
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("metadata"), dict):
        labels = template["metadata"].setdefault("labels", {})
        labels.update({JOB_UID: uid, JOB_NAME: name, "controller-uid": uid, "job-name": name})


_RBAC = "rbac.authorization.k8s.io"


def _default_binding(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """rbac/v1 defaulting: roleRef and User/Group subjects in the RBAC API group."""
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = _RBAC
    for subject in obj.get("subjects") or []:
        if isinstance(subject, dict) and subject.get("kind") in ("User", "Group"):
            subject.setdefault("apiGroup", _RBAC)


def _default_networkpolicy(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """networking/v1 defaults: a port's protocol TCP, and policyTypes from the rules
    (Ingress always, Egress when egress rules are given)."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("podSelector", {})
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            ports = rule.get("ports") if isinstance(rule, dict) else None
            for port in ports or []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
    if "policyTypes" not in spec:
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])


_DEFAULTERS = {
    "deployments.apps": _default_deployment,
    "replicasets.apps": _default_replicaset,
    "replicationcontrollers": _default_replicationcontroller,
    "pods": _default_pod,
    "services": _default_service,
    "horizontalpodautoscalers.autoscaling": _default_hpa,
    "namespaces": _default_namespace,
    "secrets": _default_secret,
    "persistentvolumeclaims": _default_pvc,
    "persistentvolumes": _default_pv,
    "limitranges": _default_limitrange,
    "ingresses.networking.k8s.io": _default_ingress,
    "rolebindings.rbac.authorization.k8s.io": _default_binding,
    "jobs.batch": _default_job,
    "networkpolicies.networking.k8s.io": _default_networkpolicy,
    "cronjobs.batch": _default_cronjob,
    "clusterrolebindings.rbac.authorization.k8s.io": _default_binding,
}

# ---------------------------------------------------------------------------------------
# Validation

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PERCENT = re.compile(r"^[0-9]+%$")

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_QUALIFIED_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)

# Kinds whose names must be DNS-1035 labels / DNS-1123 labels; the rest are subdomains.
_DNS1035_NAMED = {"services"}
_LABEL_NAMED = {"namespaces"}


def _validate_meta(gr: str, obj: Obj, errs: _Errors) -> None:
    meta = obj["metadata"]
    name = meta.get("name")
    if not name:
        errs.required("metadata.name", "name or generateName is required")
    elif not isinstance(name, str):
        errs.invalid("metadata.name", name, "must be a string")
    elif gr in _DNS1035_NAMED:
        if len(name) > 63:
            errs.invalid("metadata.name", name, "must be no more than 63 characters")
        elif not _DNS1035_LABEL.match(name):
            errs.invalid("metadata.name", name, _DNS1035_MSG)
    elif gr in _LABEL_NAMED:
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            errs.invalid("metadata.name", name, _LABEL_MSG)
    elif len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        errs.invalid("metadata.name", name, _SUBDOMAIN_MSG)
    _validate_labels(meta.get("labels"), "metadata.labels", errs)


def _validate_labels(labels: Any, field: str, errs: _Errors) -> None:
    if labels is None:
        return
    if not isinstance(labels, dict):
        errs.invalid(field, labels, "must be a map of strings")
        return
    for key, value in labels.items():
        key_name = str(key).rsplit("/", 1)[-1]
        if not _QUALIFIED_NAME.match(key_name) or len(key_name) > 63:
            errs.invalid(field, key, _QUALIFIED_MSG)
        if not isinstance(value, str):
            errs.invalid(field, value, "must be a string")
        elif len(value) > 63:
            errs.invalid(field, value, "must be no more than 63 characters")
        elif not _LABEL_VALUE.match(value):
            errs.invalid(field, value, _LABEL_VALUE_MSG)


def _validate_non_negative(value: Any, field: str, errs: _Errors) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        errs.invalid(field, value, "must be an integer")
    elif value < 0:
        errs.invalid(field, value, "must be greater than or equal to 0")


def _validate_probe(probe: Any, field: str, errs: _Errors) -> None:
    if probe is None:
        return
    if not isinstance(probe, dict):
        errs.invalid(field, probe, "must be an object")
        return
    handlers = [h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in probe]
    if not handlers:
        errs.required(field, "must specify a handler type")
    elif len(handlers) > 1:
        errs.forbidden(f"{field}.{handlers[1]}", "may not specify more than 1 handler type")
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds"):
        _validate_non_negative(probe.get(key), f"{field}.{key}", errs)
    for key in ("successThreshold", "failureThreshold"):
        value = probe.get(key)
        if isinstance(value, int) and value < 1:
            errs.invalid(f"{field}.{key}", value, "must be greater than or equal to 1")


def _validate_containers(containers: Any, field: str, errs: _Errors) -> None:
    if not containers:
        errs.required(field)
        return
    if not isinstance(containers, list):
        errs.invalid(field, containers, "must be a list")
        return
    seen: set[str] = set()
    for i, c in enumerate(containers):
        path = f"{field}[{i}]"
        if not isinstance(c, dict):
            errs.invalid(path, c, "must be an object")
            continue
        name = c.get("name")
        if not name:
            errs.required(f"{path}.name")
        elif not isinstance(name, str) or not _DNS1123_LABEL.match(name) or len(name) > 63:
            errs.invalid(f"{path}.name", name, _LABEL_MSG)
        elif name in seen:
            errs.duplicate(f"{path}.name", name)
        else:
            seen.add(name)
        if not c.get("image"):
            errs.required(f"{path}.image")
        for j, port in enumerate(c.get("ports") or []):
            number = port.get("containerPort") if isinstance(port, dict) else None
            ppath = f"{path}.ports[{j}].containerPort"
            if number is None:
                errs.required(ppath)
            elif not isinstance(number, int) or not 1 <= number <= 65535:
                errs.invalid(ppath, number, "must be between 1 and 65535, inclusive")
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            _validate_probe(c.get(kind), f"{path}.{kind}", errs)
        policy = c.get("imagePullPolicy")
        if policy not in ("Always", "IfNotPresent", "Never"):
            errs.not_supported(
                f"{path}.imagePullPolicy", policy, ["Always", "IfNotPresent", "Never"]
            )


def _validate_pod_spec(spec: Any, field: str, errs: _Errors, *, template: bool) -> None:
    if not isinstance(spec, dict):
        errs.required(f"{field}.containers")
        return
    _validate_containers(spec.get("containers"), f"{field}.containers", errs)
    policy = spec.get("restartPolicy")
    if template and policy != "Always":
        errs.not_supported(f"{field}.restartPolicy", policy, ["Always"])
    elif policy not in ("Always", "OnFailure", "Never"):
        errs.not_supported(f"{field}.restartPolicy", policy, ["Always", "OnFailure", "Never"])


def _validate_workload(obj: Obj, old: Obj | None, errs: _Errors, *, deployment: bool) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errs.required("spec")
        return
    _validate_non_negative(spec.get("replicas"), "spec.replicas", errs)
    _validate_non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", errs)
    selector = spec.get("selector")
    template = spec.get("template")
    if selector is None:
        errs.required("spec.selector")
    elif not isinstance(selector, dict) or not (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        kind = "deployment" if deployment else "replicaset"
        errs.invalid(
            "spec.selector",
            _selector_value(selector),
            f"empty selector is invalid for {kind}",
            raw=True,
        )
    elif isinstance(template, dict):
        labels = (template.get("metadata") or {}).get("labels") or {}
        if not selector_matches(selector, labels):
            errs.invalid(
                "spec.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
    if not isinstance(template, dict):
        errs.required("spec.template.spec.containers")
    else:
        _validate_labels(
            (template.get("metadata") or {}).get("labels"), "spec.template.metadata.labels", errs
        )
        _validate_pod_spec(template.get("spec"), "spec.template.spec", errs, template=True)
    if old is not None and selector != (old.get("spec") or {}).get("selector"):
        errs.invalid("spec.selector", _selector_value(selector), "field is immutable", raw=True)
    if deployment:
        _validate_deployment_spec(spec, errs)


def _int_or_percent(value: Any, field: str, errs: _Errors) -> int | None:
    """The value as a non-negative int or percent (for the 'both zero' check); ``None`` when
    invalid (already reported)."""
    if isinstance(value, bool):
        errs.invalid(field, value, "must be an integer or percentage (e.g '5%')")
        return None
    if isinstance(value, int):
        if value < 0:
            errs.invalid(field, value, "must be greater than or equal to 0")
            return None
        return value
    if isinstance(value, str) and _PERCENT.match(value):
        pct = int(value[:-1])
        if pct > 100:
            errs.invalid(field, value, "must not be greater than 100%")
            return None
        return pct
    errs.invalid(
        field,
        value,
        "a valid percent string must be a numeric string followed by an ending '%' "
        "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    )
    return None


def _validate_deployment_spec(spec: Obj, errs: _Errors) -> None:
    _validate_non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", errs)
    strategy = spec.get("strategy") or {}
    stype = strategy.get("type")
    if stype not in ("RollingUpdate", "Recreate"):
        errs.not_supported("spec.strategy.type", stype, ["Recreate", "RollingUpdate"])
    elif stype == "Recreate" and strategy.get("rollingUpdate") is not None:
        errs.forbidden(
            "spec.strategy.rollingUpdate",
            "may not be specified when strategy `type` is 'Recreate'",
        )
    elif stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        base = "spec.strategy.rollingUpdate"
        unavailable = _int_or_percent(ru.get("maxUnavailable"), f"{base}.maxUnavailable", errs)
        surge = _int_or_percent(ru.get("maxSurge"), f"{base}.maxSurge", errs)
        if unavailable == 0 and surge == 0:
            errs.invalid(
                f"{base}.maxUnavailable",
                ru.get("maxUnavailable"),
                "may not be 0 when `maxSurge` is 0",
            )
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        _validate_non_negative(deadline, "spec.progressDeadlineSeconds", errs)
        if isinstance(deadline, int) and deadline <= (spec.get("minReadySeconds") or 0):
            errs.invalid(
                "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
            )


def _validate_deployment(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_workload(obj, old, errs, deployment=True)


def _validate_replicaset(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_workload(obj, old, errs, deployment=False)


def _validate_replicationcontroller(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateReplicationControllerSpec with ValidatePodTemplateSpecForRC: a non-empty
    selector matching the template's labels, counts not negative, an Always template."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errs.required("spec.selector")
        errs.required("spec.template")
        return
    _validate_non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", errs)
    selector = spec.get("selector")
    if not selector:
        errs.required("spec.selector")
    else:
        _validate_labels(selector, "spec.selector", errs)
    _validate_non_negative(spec.get("replicas"), "spec.replicas", errs)
    template = spec.get("template")
    if not isinstance(template, dict):
        errs.required("spec.template")
        return
    labels = (template.get("metadata") or {}).get("labels") or {}
    if isinstance(selector, dict) and selector and not labels_match(selector, labels):
        errs.invalid(
            "spec.template.metadata.labels",
            labels,
            "selector does not match labels in spec.template",
        )
    _validate_labels(labels, "spec.template.metadata.labels", errs)
    _validate_pod_spec(template.get("spec"), "spec.template.spec", errs, template=True)
    if (template.get("spec") or {}).get("activeDeadlineSeconds") is not None:
        errs.forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in ReplicationController is not Supported",
        )


_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
_PV_SOURCES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "glusterfs",
    "flocker",
    "nfs",
    "rbd",
    "quobyte",
    "cephfs",
    "iscsi",
    "cinder",
    "fc",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "scaleIO",
    "local",
    "storageos",
    "csi",
)


def _validate_pv(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidatePersistentVolumeSpec: access modes, a storage capacity, a known reclaim policy
    and volume mode, exactly one volume source; the source does not change on update."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    modes = spec.get("accessModes") or []
    if not modes:
        errs.required("spec.accessModes")
    for mode in modes:
        if mode not in _ACCESS_MODES:
            errs.not_supported("spec.accessModes", mode, _ACCESS_MODES)
    if "ReadWriteOncePod" in modes and len(set(modes)) > 1:
        errs.forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes")
    capacity = spec.get("capacity") or {}
    if not capacity:
        errs.required("spec.capacity")
    for name, value in capacity.items() if isinstance(capacity, dict) else ():
        if quantity.parse(value) <= 0:
            errs.invalid(f"spec.capacity[{name}]", str(value), "must be greater than zero")
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        errs.not_supported(
            "spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]
        )
    sources = [key for key in _PV_SOURCES if spec.get(key) is not None]
    for extra in sources[1:]:
        errs.forbidden(f"spec.{extra}", "may not specify more than 1 volume type")
    if not sources:
        errs.required("spec", "must specify a volume type")
    host_path = spec.get("hostPath")
    if isinstance(host_path, dict) and not host_path.get("path"):
        errs.required("spec.hostPath.path")
    if spec.get("local") is not None and spec.get("nodeAffinity") is None:
        errs.required("spec.nodeAffinity", "Local volume requires node affinity")
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        errs.not_supported("spec.volumeMode", mode, ["Block", "Filesystem"])
    if old is not None:
        old_spec = old.get("spec") or {}
        if any(spec.get(k) != old_spec.get(k) for k in _PV_SOURCES):
            errs.forbidden(
                "spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation",
            )
        if spec.get("volumeMode") != old_spec.get("volumeMode"):
            errs.invalid("volumeMode", spec.get("volumeMode"), "field is immutable")


def _validate_resourcequota(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateResourceQuotaSpec: standard (or qualified) resource names, quantities not
    negative, whole numbers for object counts."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    hard = spec.get("hard") or {}
    for name, value in hard.items() if isinstance(hard, dict) else ():
        field = f"spec.hard[{name}]"
        standard = name in quota.STANDARD or name.startswith(("hugepages-", "requests.hugepages-"))
        if "/" not in name and not standard:
            errs.invalid(field, name, "must be a standard resource for quota")
        nanos = quantity.amount(value).nanos
        if nanos < 0:
            errs.invalid(field, str(value), "must be greater than or equal to 0")
        elif (name.startswith("count/") or name in quota.COUNTED) and nanos % 10**9:
            errs.invalid(field, str(value), "must be an integer")


_LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"]


def _validate_limitrange(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateLimitRange, its common cases: known types, no defaults for a Pod, storage
    bounds for a claim, and min <= default request <= default <= max for each resource."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    for i, item in enumerate(spec.get("limits") or []):
        item = item if isinstance(item, dict) else {}
        path = f"spec.limits[{i}]"
        kind = item.get("type")
        if kind not in _LIMIT_TYPES and "/" not in str(kind or ""):
            errs.not_supported(f"{path}.type", kind, _LIMIT_TYPES)
        if kind == "Pod":
            for key in ("default", "defaultRequest"):
                if item.get(key):
                    errs.forbidden(f"{path}.{key}", "may not be specified when `type` is 'Pod'")
        if kind == "PersistentVolumeClaim" and not (
            "storage" in (item.get("min") or {}) or "storage" in (item.get("max") or {})
        ):
            errs.required(
                f"{path}.limits",
                "either minimum or maximum storage value is required, but neither was provided",
            )
        bounds = {
            key: {str(k): quantity.amount(v) for k, v in (item.get(key) or {}).items()}
            for key in ("min", "max", "default", "defaultRequest")
        }
        names = sorted({name for values in bounds.values() for name in values})
        for name in names:
            low, high = bounds["min"].get(name), bounds["max"].get(name)
            dflt, dreq = bounds["default"].get(name), bounds["defaultRequest"].get(name)
            checks = (
                ("min", low, high, f"min value {low} is greater than max value {high}"),
                (
                    "defaultRequest",
                    low,
                    dreq,
                    f"min value {low} is greater than default request value {dreq}",
                ),
                (
                    "defaultRequest",
                    dreq,
                    high,
                    f"default request value {dreq} is greater than max value {high}",
                ),
                (
                    "defaultRequest",
                    dreq,
                    dflt,
                    f"default request value {dreq} is greater than default limit value {dflt}",
                ),
                ("default", low, dflt, f"min value {low} is greater than default value {dflt}"),
                ("default", dflt, high, f"default value {dflt} is greater than max value {high}"),
            )
            for key, small, big, message in checks:
                if small is not None and big is not None and small.nanos > big.nanos:
                    shown = bounds[key][name]
                    errs.invalid(f"{path}.{key}[{name}]", str(shown), message)


def _validate_lease(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateLeaseSpec: a positive duration, transitions not negative."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    duration = spec.get("leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        errs.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")
    transitions = spec.get("leaseTransitions")
    if isinstance(transitions, int) and transitions < 0:
        errs.invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0")


def _validate_apiservice(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateAPIService: named version.group, priorities in range, a local APIService
    without a caBundle or insecureSkipTLSVerify, a remote one naming its Service."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    group, version = str(spec.get("group") or ""), str(spec.get("version") or "")
    required = f"{version}.{group}"
    name = obj["metadata"].get("name")
    if name and name != required:
        errs.invalid(
            "metadata.name", name, f'must be `spec.version+"."+spec.group`: {_go_quote(required)}'
        )
    if not group and version != "v1":
        errs.required("spec.group", "only v1 may have an empty group and it better be legacy kube")
    if not version:
        errs.required("spec.version")
    group_priority = spec.get("groupPriorityMinimum") or 0
    if not isinstance(group_priority, int) or not 0 < group_priority <= 20000:
        errs.invalid(
            "spec.groupPriorityMinimum", group_priority, "must be positive and less than 20000"
        )
    version_priority = spec.get("versionPriority") or 0
    if not isinstance(version_priority, int) or not 0 < version_priority <= 1000:
        errs.invalid(
            "spec.versionPriority", version_priority, "must be positive and less than 1000"
        )
    service = spec.get("service")
    if not isinstance(service, dict):
        if spec.get("caBundle"):
            errs.forbidden("spec.caBundle", "local APIServices may not have a caBundle")
        if spec.get("insecureSkipTLSVerify"):
            errs.forbidden(
                "spec.insecureSkipTLSVerify", "local APIServices may not have insecureSkipTLSVerify"
            )
        return
    if not service.get("namespace"):
        errs.required("spec.service.namespace")
    if not service.get("name"):
        errs.required("spec.service.name")
    if spec.get("insecureSkipTLSVerify") and spec.get("caBundle"):
        errs.invalid("spec.insecureSkipTLSVerify", True, "may not be true if caBundle is present")


def _strip_images(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    copy = clone(spec)
    for c in copy.get("containers") or []:
        if isinstance(c, dict):
            c.pop("image", None)
    copy.pop("activeDeadlineSeconds", None)
    copy.pop("tolerations", None)
    return copy


def _validate_pod(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_pod_spec(obj.get("spec"), "spec", errs, template=False)
    if old is not None and _strip_images(obj.get("spec")) != _strip_images(old.get("spec")):
        errs.forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,"
            "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
            "`spec.tolerations` (only additions to existing tolerations),"
            "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            "previously negative)",
        )


_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]


def _validate_service(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    spec = obj.get("spec") or {}
    stype = spec.get("type")
    if stype not in _SERVICE_TYPES:
        errs.not_supported("spec.type", stype, _SERVICE_TYPES)
        return
    ports = spec.get("ports") or []
    if not ports and stype != "ExternalName" and spec.get("clusterIP") != "None":
        errs.required("spec.ports")
    names: set[str] = set()
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            errs.invalid(f"spec.ports[{i}]", port, "must be an object")
            continue
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            errs.invalid(f"spec.ports[{i}].port", number, "must be between 1 and 65535, inclusive")
        if len(ports) > 1 and not port.get("name"):
            errs.required(f"spec.ports[{i}].name")
        elif port.get("name") in names:
            errs.duplicate(f"spec.ports[{i}].name", port.get("name"))
        names.add(str(port.get("name") or ""))
        protocol = port.get("protocol")
        if protocol not in ("TCP", "UDP", "SCTP"):
            errs.not_supported(f"spec.ports[{i}].protocol", protocol, ["SCTP", "TCP", "UDP"])
    old_ip = ((old or {}).get("spec") or {}).get("clusterIP")
    if old_ip and spec.get("clusterIP") != old_ip:
        errs.invalid("spec.clusterIPs[0]", spec.get("clusterIP"), "may not change once set")
    selector = spec.get("selector")
    _validate_labels(selector, "spec.selector", errs)


def _validate_hpa(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    spec = obj.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind"):
        errs.required("spec.scaleTargetRef.kind")
    if not ref.get("name"):
        errs.required("spec.scaleTargetRef.name")
    min_r = spec.get("minReplicas")
    max_r = spec.get("maxReplicas")
    if isinstance(min_r, int) and min_r < 1:
        errs.invalid("spec.minReplicas", min_r, "must be greater than or equal to 1")
    if not isinstance(max_r, int):
        errs.required("spec.maxReplicas")
    elif max_r < 1:
        errs.invalid("spec.maxReplicas", max_r, "must be greater than 0")
    elif isinstance(min_r, int) and max_r < min_r:
        errs.invalid("spec.maxReplicas", max_r, "must be greater than or equal to `minReplicas`")
    for i, metric in enumerate(spec.get("metrics") or []):
        mtype = (metric or {}).get("type")
        if mtype not in ("Resource", "Pods", "Object", "External", "ContainerResource"):
            errs.not_supported(
                f"spec.metrics[{i}].type",
                mtype,
                ["ContainerResource", "External", "Object", "Pods", "Resource"],
            )
            continue
        if mtype == "Resource":
            target = ((metric.get("resource") or {}).get("target")) or {}
            util = target.get("averageUtilization")
            if target.get("type") == "Utilization" and (not isinstance(util, int) or util < 1):
                errs.invalid(
                    f"spec.metrics[{i}].resource.target.averageUtilization",
                    util,
                    "must be greater than 0",
                )


def _validate_ingress(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    spec = obj.get("spec") or {}
    if not spec.get("rules") and not spec.get("defaultBackend"):
        errs.invalid("spec", "", "either `defaultBackend` or `rules` must be specified")
    for i, rule in enumerate(spec.get("rules") or []):
        for j, path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            ptype = (path or {}).get("pathType")
            if ptype not in ("Exact", "Prefix", "ImplementationSpecific"):
                errs.not_supported(
                    f"spec.rules[{i}].http.paths[{j}].pathType",
                    ptype,
                    ["Exact", "ImplementationSpecific", "Prefix"],
                )


def _validate_configmap(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    for key in ("data", "binaryData"):
        value = obj.get(key)
        if value is not None and not isinstance(value, dict):
            errs.invalid(key, value, "must be a map")


def _validate_rules(obj: Obj, old: Obj | None, errs: _Errors, *, namespaced: bool) -> None:
    """ValidatePolicyRule for every rule of a Role or ClusterRole."""
    for i, rule in enumerate(obj.get("rules") or []):
        field = f"rules[{i}]"
        rule = rule if isinstance(rule, dict) else {}
        if not rule.get("verbs"):
            errs.required(f"{field}.verbs", "verbs must contain at least one value")
        urls = rule.get("nonResourceURLs") or []
        if urls:
            shown = "[]string{" + ", ".join(_go_quote(str(u)) for u in urls) + "}"
            if namespaced:
                detail = "namespaced rules cannot apply to non-resource URLs"
                errs.invalid(f"{field}.nonResourceURLs", shown, detail, raw=True)
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                detail = "rules cannot apply to both regular resources and non-resource URLs"
                errs.invalid(f"{field}.nonResourceURLs", shown, detail, raw=True)
            continue
        if not rule.get("apiGroups"):
            errs.required(f"{field}.apiGroups", "resource rules must supply at least one api group")
        if not rule.get("resources"):
            errs.required(f"{field}.resources", "resource rules must supply at least one resource")


def _validate_role(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_rules(obj, old, errs, namespaced=True)


def _validate_cluster_role(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_rules(obj, old, errs, namespaced=False)


def _validate_binding(obj: Obj, old: Obj | None, errs: _Errors, *, namespaced: bool) -> None:
    """ValidateRoleBinding / ValidateClusterRoleBinding (and the update's fixed roleRef)."""
    ref_value = obj.get("roleRef")
    ref: Obj = ref_value if isinstance(ref_value, dict) else {}
    if ref.get("apiGroup") != _RBAC:
        errs.not_supported("roleRef.apiGroup", str(ref.get("apiGroup", "")), [_RBAC])
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind") not in kinds:
        errs.not_supported("roleRef.kind", str(ref.get("kind", "")), kinds)
    if not ref.get("name"):
        errs.required("roleRef.name")
    for i, subject in enumerate(obj.get("subjects") or []):
        field = f"subjects[{i}]"
        subject = subject if isinstance(subject, dict) else {}
        kind, group = subject.get("kind"), str(subject.get("apiGroup") or "")
        if not subject.get("name"):
            errs.required(f"{field}.name")
        if kind == "ServiceAccount":
            if group:
                errs.not_supported(f"{field}.apiGroup", group, [""])
            if not namespaced and not subject.get("namespace"):
                errs.required(f"{field}.namespace")
        elif kind in ("User", "Group"):
            if group != _RBAC:
                errs.not_supported(f"{field}.apiGroup", group, [_RBAC])
        else:
            supported = ["ServiceAccount", "User", "Group"]
            errs.not_supported(f"{field}.kind", str(kind or ""), supported)
    if old is not None and isinstance(old.get("roleRef"), dict) and old["roleRef"] != ref:
        shown = (
            f"rbac.RoleRef{{APIGroup:{_go_quote(str(ref.get('apiGroup', '')))}, "
            f"Kind:{_go_quote(str(ref.get('kind', '')))}, "
            f"Name:{_go_quote(str(ref.get('name', '')))}}}"
        )
        errs.invalid("roleRef", shown, "cannot change roleRef", raw=True)


def _validate_role_binding(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_binding(obj, old, errs, namespaced=True)


def _validate_cluster_role_binding(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    _validate_binding(obj, old, errs, namespaced=False)


def _validate_job(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateJob, the parts kubectl's users meet: counts not negative, a Never/OnFailure
    template, and a template that does not change."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    for key in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"):
        value = spec.get(key)
        if value is not None:
            _validate_non_negative(value, f"spec.{key}", errs)
    template = spec.get("template")
    if not isinstance(template, dict):
        errs.required("spec.template")
        return
    pod_value = template.get("spec")
    pod_spec: Obj = pod_value if isinstance(pod_value, dict) else {}
    _validate_containers(pod_spec.get("containers"), "spec.template.spec.containers", errs)
    policy = pod_spec.get("restartPolicy")
    if policy not in ("OnFailure", "Never"):
        errs.not_supported("spec.template.spec.restartPolicy", policy, ["OnFailure", "Never"])
    if old is not None and (old.get("spec") or {}).get("template") != template:
        errs.invalid("spec.template", _go_value(template), "field is immutable", raw=True)


_PERCENT_MESSAGE = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)


def _validate_pdb(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidatePodDisruptionBudgetSpec: not both minAvailable and maxUnavailable, each a
    non-negative integer or a percentage up to 100%."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if low is not None and high is not None:
        detail = "minAvailable and maxUnavailable cannot be both set"
        errs.invalid("spec", _go_value(spec), detail, raw=True)
    for key, value in (("minAvailable", low), ("maxUnavailable", high)):
        if value is None:
            continue
        if isinstance(value, str) and _PERCENT.match(value):
            if int(value[:-1]) > 100:
                errs.invalid(f"spec.{key}", value, "must not be greater than 100%")
        elif isinstance(value, int) and not isinstance(value, bool):
            _validate_non_negative(value, f"spec.{key}", errs)
        else:
            errs.invalid(f"spec.{key}", value, _PERCENT_MESSAGE)


def _validate_networkpolicy(obj: Obj, old: Obj | None, errs: _Errors) -> None:
    """ValidateNetworkPolicySpec, its common cases: known policy types, known protocols,
    ports in range and valid selectors."""
    spec_value = obj.get("spec")
    spec: Obj = spec_value if isinstance(spec_value, dict) else {}
    for i, kind in enumerate(spec.get("policyTypes") or []):
        if kind not in ("Ingress", "Egress"):
            errs.not_supported(f"spec.policyTypes[{i}]", kind, ["Ingress", "Egress"])
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(spec.get(direction) or []):
            for j, port in enumerate((rule or {}).get("ports") or []):
                field = f"spec.{direction}[{i}].ports[{j}]"
                protocol = (port or {}).get("protocol")
                if protocol not in ("TCP", "UDP", "SCTP"):
                    errs.not_supported(f"{field}.protocol", protocol, ["SCTP", "TCP", "UDP"])
                number = (port or {}).get("port")
                if isinstance(number, int) and not 1 <= number <= 65535:
                    errs.invalid(f"{field}.port", number, "must be between 1 and 65535, inclusive")


_VALIDATORS = {
    "networkpolicies.networking.k8s.io": _validate_networkpolicy,
    "poddisruptionbudgets.policy": _validate_pdb,
    "jobs.batch": _validate_job,
    "cronjobs.batch": _validate_cronjob,
    f"roles.{_RBAC}": _validate_role,
    f"clusterroles.{_RBAC}": _validate_cluster_role,
    f"rolebindings.{_RBAC}": _validate_role_binding,
    f"clusterrolebindings.{_RBAC}": _validate_cluster_role_binding,
    "deployments.apps": _validate_deployment,
    "replicasets.apps": _validate_replicaset,
    "replicationcontrollers": _validate_replicationcontroller,
    "persistentvolumes": _validate_pv,
    "resourcequotas": _validate_resourcequota,
    "limitranges": _validate_limitrange,
    "leases.coordination.k8s.io": _validate_lease,
    "apiservices.apiregistration.k8s.io": _validate_apiservice,
    "pods": _validate_pod,
    "services": _validate_service,
    "horizontalpodautoscalers.autoscaling": _validate_hpa,
    "ingresses.networking.k8s.io": _validate_ingress,
    "configmaps": _validate_configmap,
    "secrets": _validate_configmap,
}
