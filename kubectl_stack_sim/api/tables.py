"""Server-side printing: ``kind: Table`` with kubectl's own columns and cell formats.

kubectl asks for ``as=Table`` and prints exactly the cells it gets, so every column and format
here follows the API server's printers (k8s.io/kubernetes pkg/printers/internalversion). As on
a real server, every column is always sent (kubectl hides priority-1 columns unless ``-o wide``)
and cells are computed at the cluster's (virtual) time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..labels import format_label_selector, format_labels, label_selector_string
from ..quantity import amount
from ..quantity import parse as parse_quantity
from ..timefmt import human_duration, parse_timestamp, since
from .printpod import print_pod

Obj = dict[str, Any]
Row = list[Any]
Column = tuple[str, str, int]  # name, type, priority

_NAME: Column = ("Name", "string", 0)
_AGE: Column = ("Age", "string", 0)

_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace. Is required when creating resources, "
    "although some resources may allow a client to request the generation of an appropriate "
    "name automatically. Name is primarily intended for creation idempotence and "
    "configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    "Age": "CreationTimestamp is a timestamp representing the server time when this object "
    "was created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
}


def _containers(obj: Obj) -> list[Obj]:
    return list(
        (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    )


def _layout_containers(containers: list[Obj]) -> tuple[str, str]:
    return (
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    )


def _created(obj: Obj, now: float) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)


def _get(obj: Any, *keys: str) -> Any:
    cur = obj
    for k in keys:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(k)
    return cur


# -- pods -----------------------------------------------------------------------------------


def pod_cells(pod: Obj, now: float) -> Row:
    """printPod: NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES."""
    return print_pod(pod, now)


def pod_row_conditions(pod: Obj) -> list[Obj] | None:
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "message": "The pod has completed successfully.",
            }
        ]
    if phase == "Failed":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Failed",
                "message": "The pod failed.",
            }
        ]
    return None


# -- workloads ------------------------------------------------------------------------------


def _deployment(obj: Obj, now: float) -> Row:
    status = obj.get("status") or {}
    names, images = _layout_containers(_containers(obj))
    return [
        obj["metadata"]["name"],
        f"{int(status.get('readyReplicas') or 0)}/{int(_get(obj, 'spec', 'replicas') or 0)}",
        int(status.get("updatedReplicas") or 0),
        int(status.get("availableReplicas") or 0),
        _created(obj, now),
        names,
        images,
        label_selector_string(_get(obj, "spec", "selector")),
    ]


def _replicaset(obj: Obj, now: float) -> Row:
    status = obj.get("status") or {}
    names, images = _layout_containers(_containers(obj))
    return [
        obj["metadata"]["name"],
        int(_get(obj, "spec", "replicas") or 0),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        _created(obj, now),
        names,
        images,
        format_label_selector(_get(obj, "spec", "selector")),
    ]


def _replicationcontroller(obj: Obj, now: float) -> Row:
    """printReplicationController: as a ReplicaSet's, the selector as labels.FormatLabels."""
    status = obj.get("status") or {}
    names, images = _layout_containers(_containers(obj))
    return [
        obj["metadata"]["name"],
        int(_get(obj, "spec", "replicas") or 0),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        _created(obj, now),
        names,
        images,
        format_labels(_get(obj, "spec", "selector") or {}),
    ]


def _statefulset(obj: Obj, now: float) -> Row:
    names, images = _layout_containers(_containers(obj))
    ready = int(_get(obj, "status", "readyReplicas") or 0)
    return [
        obj["metadata"]["name"],
        f"{ready}/{int(_get(obj, 'spec', 'replicas') or 0)}",
        _created(obj, now),
        names,
        images,
    ]


def _daemonset(obj: Obj, now: float) -> Row:
    status = obj.get("status") or {}
    names, images = _layout_containers(_containers(obj))
    return [
        obj["metadata"]["name"],
        int(status.get("desiredNumberScheduled") or 0),
        int(status.get("currentNumberScheduled") or 0),
        int(status.get("numberReady") or 0),
        int(status.get("updatedNumberScheduled") or 0),
        int(status.get("numberAvailable") or 0),
        format_labels(_get(obj, "spec", "template", "spec", "nodeSelector")),
        _created(obj, now),
        names,
        images,
        format_label_selector(_get(obj, "spec", "selector")),
    ]


def _controllerrevision(obj: Obj, now: float) -> Row:
    controller = "<none>"
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            group = str(ref.get("apiVersion", "")).rpartition("/")[0]
            kind = str(ref.get("kind", "")) + (f".{group}" if group else "")
            controller = f"{kind.lower()}/{ref.get('name', '')}"
            break
    return [obj["metadata"]["name"], controller, int(obj.get("revision") or 0), _created(obj, now)]


def _storageclass(obj: Obj, now: float) -> Row:
    name = obj["metadata"]["name"]
    annotations = obj["metadata"].get("annotations") or {}
    if "true" in (
        annotations.get("storageclass.kubernetes.io/is-default-class"),
        annotations.get("storageclass.beta.kubernetes.io/is-default-class"),
    ):
        name += " (default)"
    return [
        name,
        str(obj.get("provisioner", "")),
        str(obj.get("reclaimPolicy") or "Delete"),
        str(obj.get("volumeBindingMode") or "Immediate"),
        bool(obj.get("allowVolumeExpansion") or False),
        _created(obj, now),
    ]


# -- services and networking ----------------------------------------------------------------


def _lb_ingress(items: Iterable[Obj]) -> str:
    seen: list[str] = []
    for item in items:
        value = item.get("ip") or item.get("hostname")
        if value and value not in seen:
            seen.append(value)
    return ",".join(seen)


def _service(obj: Obj, now: float) -> Row:
    spec = obj.get("spec") or {}
    svc_type = spec.get("type") or "ClusterIP"
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    external_ips = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        external = ",".join(external_ips) or "<none>"
    elif svc_type == "LoadBalancer":
        lb = _lb_ingress(_get(obj, "status", "loadBalancer", "ingress") or [])
        if external_ips:
            external = ",".join(([lb] if lb else []) + list(external_ips))
        else:
            external = lb or "<pending>"
    elif svc_type == "ExternalName":
        external = spec.get("externalName") or ""
    else:
        external = "<unknown>"
    pieces = []
    for port in spec.get("ports") or []:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return [
        obj["metadata"]["name"],
        svc_type,
        ips[0] if ips else "<none>",
        external,
        ",".join(pieces) or "<none>",
        _created(obj, now),
        format_labels(spec.get("selector")),
    ]


def _more(items: list[str], count: int, maximum: int, empty: str) -> str:
    text = ",".join(items)
    if count > maximum:
        return f"{text} + {count - maximum} more..."
    return text or empty


def _ingress(obj: Obj, now: float) -> Row:
    spec = obj.get("spec") or {}
    rules = spec.get("rules") or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    hosts_text = ",".join(hosts) if hosts else "*"
    if hosts and more:
        hosts_text = f"{hosts_text} + {len(rules) - 3} more..."
    return [
        obj["metadata"]["name"],
        spec.get("ingressClassName") or "<none>",
        hosts_text,
        _lb_ingress(_get(obj, "status", "loadBalancer", "ingress") or []),
        "80, 443" if spec.get("tls") else "80",
        _created(obj, now),
    ]


def _endpoints(obj: Obj, now: float) -> Row:
    subsets = obj.get("subsets") or []
    if not subsets:
        text = "<none>"
    else:
        items: list[str] = []
        count = 0
        for subset in subsets:
            addresses = subset.get("addresses") or []
            ports = subset.get("ports") or []
            if not ports:
                count += len(addresses)
                items.extend(str(a.get("ip")) for a in addresses[: max(0, 3 - len(items))])
                continue
            for port in ports:
                count += len(addresses)
                for a in addresses:
                    if len(items) == 3:
                        break
                    ip = str(a.get("ip"))
                    host = f"[{ip}]" if ":" in ip else ip
                    items.append(f"{host}:{port.get('port')}")
        text = ",".join(items)
        if count > 3:
            text = f"{text} + {count - 3} more..."
    return [obj["metadata"]["name"], text, _created(obj, now)]


def _endpointslice(obj: Obj, now: float) -> Row:
    ports: list[str] = []
    count = 0
    for port in obj.get("ports") or []:
        if len(ports) < 3:
            if port.get("port") is not None:
                ports.append(str(port["port"]))
            elif port.get("name") is not None:
                ports.append(str(port["name"]))
            else:
                ports.append("*")
        count += 1
    addresses: list[str] = []
    acount = 0
    for endpoint in obj.get("endpoints") or []:
        for address in endpoint.get("addresses") or []:
            if len(addresses) < 3:
                addresses.append(str(address))
            acount += 1
    return [
        obj["metadata"]["name"],
        obj.get("addressType") or "",
        _more(ports, count, 3, "<unset>"),
        _more(addresses, acount, 3, "<unset>"),
        _created(obj, now),
    ]


# -- autoscaling ----------------------------------------------------------------------------


def hpa_targets(metrics: list[Obj], statuses: list[Obj]) -> str:
    """formatHPAMetrics: ``cpu: 45%/70%``, at most two, then ``+ N more...``."""
    if not metrics:
        return "<none>"
    out: list[str] = []

    def status_of(i: int, key: str) -> Obj | None:
        found = statuses[i].get(key) if i < len(statuses) else None
        return found if isinstance(found, dict) else None

    for i, spec in enumerate(metrics):
        kind = spec.get("type")
        if kind == "External":
            target = _get(spec, "external", "target") or {}
            cur = status_of(i, "external")
            if target.get("averageValue") is not None:
                current = _get(cur, "current", "averageValue") or "<unknown>"
                out.append(f"{current}/{target['averageValue']} (avg)")
            else:
                current = _get(cur, "current", "value") if cur else "<unknown>"
                out.append(f"{current}/{target.get('value')}")
        elif kind == "Pods":
            cur = status_of(i, "pods")
            current = _get(cur, "current", "averageValue") if cur else "<unknown>"
            out.append(f"{current}/{_get(spec, 'pods', 'target', 'averageValue')}")
        elif kind == "Object":
            target = _get(spec, "object", "target") or {}
            cur = status_of(i, "object")
            if target.get("averageValue") is not None:
                current = _get(cur, "current", "averageValue") or "<unknown>"
                out.append(f"{current}/{target['averageValue']} (avg)")
            else:
                current = _get(cur, "current", "value") if cur else "<unknown>"
                out.append(f"{current}/{target.get('value')}")
        elif kind in ("Resource", "ContainerResource"):
            key = "resource" if kind == "Resource" else "containerResource"
            source = spec.get(key) or {}
            target = source.get("target") or {}
            cur = status_of(i, key)
            name = source.get("name", "")
            if target.get("averageValue") is not None:
                current = _get(cur, "current", "averageValue") if cur else "<unknown>"
                out.append(f"{name}: {current}/{target['averageValue']}")
            else:
                util = _get(cur, "current", "averageUtilization")
                current = f"{util}%" if util is not None else "<unknown>"
                goal = target.get("averageUtilization")
                out.append(f"{name}: {current}/{f'{goal}%' if goal is not None else '<auto>'}")
        else:
            out.append("<unknown type>")
    text = ", ".join(out[:2])
    if len(out) > 2:
        text = f"{text} + {len(out) - 2} more..."
    return text


def _hpa(obj: Obj, now: float) -> Row:
    spec = obj.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_replicas = spec.get("minReplicas")
    return [
        obj["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        hpa_targets(spec.get("metrics") or [], _get(obj, "status", "currentMetrics") or []),
        str(min_replicas) if min_replicas is not None else "<unset>",
        int(spec.get("maxReplicas") or 0),
        int(_get(obj, "status", "currentReplicas") or 0),
        _created(obj, now),
    ]


# -- core -----------------------------------------------------------------------------------


def _event(obj: Obj, now: float) -> Row:
    first = since(obj.get("firstTimestamp"), now)
    if not obj.get("firstTimestamp"):
        first = since(obj.get("eventTime"), now)
    last = since(obj.get("lastTimestamp"), now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 0
    series = obj.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif not count:
        count = 1
    involved = obj.get("involvedObject") or {}
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    return [
        last,
        obj.get("type") or "",
        obj.get("reason") or "",
        target,
        involved.get("fieldPath") or "",
        f"{component}, {host}" if host else component,
        str(obj.get("message") or "").strip(),
        first,
        int(count),
        obj["metadata"]["name"],
    ]


def _namespace(obj: Obj, now: float) -> Row:
    return [obj["metadata"]["name"], _get(obj, "status", "phase") or "", _created(obj, now)]


def _node(obj: Obj, now: float) -> Row:
    status = obj.get("status") or {}
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    states = [("Ready" if ready[-1].get("status") == "True" else "NotReady")] if ready else []
    if not states:
        states = ["Unknown"]
    if _get(obj, "spec", "unschedulable"):
        states.append("SchedulingDisabled")
    roles = set()
    for key, value in (obj["metadata"].get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/":
            roles.add(key[len("node-role.kubernetes.io/") :])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        for a in status.get("addresses") or []:
            if a.get("type") == kind:
                return str(a.get("address"))
        return "<none>"

    return [
        obj["metadata"]["name"],
        ",".join(states),
        ",".join(sorted(roles)) or "<none>",
        _created(obj, now),
        info.get("kubeletVersion") or "",
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _configmap(obj: Obj, now: float) -> Row:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [obj["metadata"]["name"], count, _created(obj, now)]


def _secret(obj: Obj, now: float) -> Row:
    return [
        obj["metadata"]["name"],
        obj.get("type") or "",
        len(obj.get("data") or {}),
        _created(obj, now),
    ]


_ACCESS_MODES = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _pvc(obj: Obj, now: float) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or ""
    if obj["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = _access_modes(status.get("accessModes"))
        capacity = str(_get(status, "capacity", "storage") or "0")
    storage_class = spec.get("storageClassName")
    if storage_class is None:
        annotations = obj["metadata"].get("annotations") or {}
        storage_class = annotations.get("volume.beta.kubernetes.io/storage-class", "")
    return [
        obj["metadata"]["name"],
        phase,
        spec.get("volumeName") or "",
        capacity,
        modes,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        _created(obj, now),
        spec.get("volumeMode") or "<unset>",
    ]


def _access_modes(modes: list[str] | None) -> str:
    """helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order."""
    present = set(modes or [])
    return ",".join(v for k, v in _ACCESS_MODES.items() if k in present)


def _pv(obj: Obj, now: float) -> Row:
    """printPersistentVolume: CLAIM as namespace/name, the class as GetPersistentVolumeClass."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ref = spec.get("claimRef")
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if isinstance(ref, dict) else ""
    phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else status.get("phase")
    annotations = obj["metadata"].get("annotations") or {}
    storage_class = annotations.get(
        "volume.beta.kubernetes.io/storage-class", spec.get("storageClassName") or ""
    )
    return [
        obj["metadata"]["name"],
        str(_get(spec, "capacity", "storage") or "0"),
        _access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy") or "",
        phase or "",
        claim,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        status.get("reason") or "",
        _created(obj, now),
        spec.get("volumeMode") or "<unset>",
    ]


def _resourcequota(obj: Obj, now: float) -> Row:
    """printResourceQuota: ``name: used/hard`` for each hard resource, sorted, the
    ``limits.*`` ones in LIMIT and the rest in REQUEST."""
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    request: list[str] = []
    limit: list[str] = []
    for name in sorted(hard):
        column = limit if name.split(".")[0] == "limits" and "." in name else request
        column.append(f"{name}: {amount(used.get(name, 0))}/{amount(hard[name])}")
    return [obj["metadata"]["name"], ", ".join(request), ", ".join(limit), _created(obj, now)]


def _lease(obj: Obj, now: float) -> Row:
    """printLease: the holder's identity ("" when nobody holds it)."""
    holder = _get(obj, "spec", "holderIdentity")
    return [obj["metadata"]["name"], holder or "", _created(obj, now)]


def _apiservice(obj: Obj, now: float) -> Row:
    """kube-aggregator's APIService table: SERVICE Local or namespace/name, AVAILABLE the
    Available condition's status (with its reason unless True), Unknown without one."""
    service = _get(obj, "spec", "service")
    backend = "Local"
    if isinstance(service, dict):
        backend = f"{service.get('namespace', '')}/{service.get('name', '')}"
    available = "Unknown"
    for condition in _get(obj, "status", "conditions") or []:
        if condition.get("type") == "Available":
            status, reason = str(condition.get("status", "")), condition.get("reason")
            available = status if status == "True" or not reason else f"{status} ({reason})"
            break
    return [obj["metadata"]["name"], backend, available, _created(obj, now)]


def _metrics(obj: Obj, now: float) -> Row:
    usage: dict[str, Any] = dict(obj.get("usage") or {})
    if "containers" in obj:
        cpu = sum(parse_quantity(_get(c, "usage", "cpu")) for c in obj["containers"])
        mem = sum(parse_quantity(_get(c, "usage", "memory")) for c in obj["containers"])
        usage = {"cpu": f"{round(cpu * 1000)}m", "memory": f"{round(mem / 1024)}Ki"}
    return [
        obj["metadata"]["name"],
        str(usage.get("cpu", "")),
        str(usage.get("memory", "")),
        str(obj.get("window", "")),
    ]


Printer = Callable[[Obj, float], Row]

_W = 1  # priority of the columns kubectl shows only with -o wide


def _role(obj: Obj, now: float) -> Row:
    """printRole / printClusterRole: the creation time itself, in RFC 3339."""
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp") or ""]


def _rolebinding(obj: Obj, now: float) -> Row:
    """printRoleBinding / printClusterRoleBinding: ``Kind/name`` of the role; wide, the
    subjects by kind (rbac.SubjectsStrings: service accounts as ``namespace/name``)."""
    ref = obj.get("roleRef") or {}
    by_kind: dict[str, list[str]] = {"User": [], "Group": [], "ServiceAccount": []}
    for subject in obj.get("subjects") or []:
        name = str(subject.get("name", ""))
        if subject.get("kind") == "ServiceAccount" and subject.get("namespace"):
            name = f"{subject['namespace']}/{name}"
        by_kind.setdefault(str(subject.get("kind", "")), []).append(name)
    return [
        obj["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        _created(obj, now),
        ", ".join(by_kind["User"]),
        ", ".join(by_kind["Group"]),
        ", ".join(by_kind["ServiceAccount"]),
    ]


_ROLE_COLUMNS: tuple[Column, ...] = (_NAME, ("Created At", "date", 0))
_BINDING_COLUMNS: tuple[Column, ...] = (
    _NAME,
    ("Role", "string", 0),
    _AGE,
    ("Users", "string", _W),
    ("Groups", "string", _W),
    ("ServiceAccounts", "string", _W),
)


def _job_condition(obj: Obj, ctype: str) -> bool:
    return any(
        c.get("type") == ctype and c.get("status") == "True"
        for c in _get(obj, "status", "conditions") or []
    )


def _job(obj: Obj, now: float) -> Row:
    """printJob: STATUS from the conditions, COMPLETIONS ``succeeded/completions`` (``/1 of
    N`` for a parallel Job without completions), DURATION from startTime to completionTime
    (or now)."""
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    succeeded = int(status.get("succeeded") or 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif int(spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    started = parse_timestamp(status.get("startTime"))
    finished = parse_timestamp(status.get("completionTime"))
    took = ""
    if started is not None:
        took = human_duration((finished if finished is not None else now) - started)
    for ctype, text in (("Complete", "Complete"), ("Failed", "Failed")):
        if _job_condition(obj, ctype):
            state = text
            break
    else:
        if obj["metadata"].get("deletionTimestamp"):
            state = "Terminating"
        else:
            state = next(
                (
                    c
                    for c in ("Suspended", "FailureTarget", "SuccessCriteriaMet")
                    if _job_condition(obj, c)
                ),
                "Running",
            )
    names, images = _layout_containers(_containers(obj))
    return [
        obj["metadata"]["name"],
        state,
        completions,
        took,
        _created(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _cronjob(obj: Obj, now: float) -> Row:
    """printCronJob: SCHEDULE, TIMEZONE, SUSPEND (printBoolPtr), ACTIVE, LAST SCHEDULE."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    suspend = spec.get("suspend")
    job_spec = _get(spec, "jobTemplate", "spec") or {}
    names, images = _layout_containers(list(_get(job_spec, "template", "spec", "containers") or []))
    last = status.get("lastScheduleTime")
    return [
        obj["metadata"]["name"],
        str(spec.get("schedule", "")),
        spec.get("timeZone") or "<none>",
        "<unset>" if suspend is None else ("True" if suspend else "False"),
        len(status.get("active") or []),
        since(last, now) if last else "<none>",
        _created(obj, now),
        names,
        images,
        format_label_selector(job_spec.get("selector")),
    ]


def _int_or_string(value: Any) -> str:
    """intstr.IntOrString.String(), ``N/A`` when unset (printPodDisruptionBudget)."""
    if value is None:
        return "N/A"
    return str(value)


def _pdb(obj: Obj, now: float) -> Row:
    spec = obj.get("spec") or {}
    return [
        obj["metadata"]["name"],
        _int_or_string(spec.get("minAvailable")),
        _int_or_string(spec.get("maxUnavailable")),
        int(_get(obj, "status", "disruptionsAllowed") or 0),
        _created(obj, now),
    ]


def _networkpolicy(obj: Obj, now: float) -> Row:
    """printNetworkPolicy: the pod selector as FormatLabelSelector writes it."""
    selector = _get(obj, "spec", "podSelector")
    return [obj["metadata"]["name"], format_label_selector(selector or {}), _created(obj, now)]


def _serviceaccount(obj: Obj, now: float) -> Row:
    """printServiceAccount: the number of listed secrets."""
    return [obj["metadata"]["name"], len(obj.get("secrets") or []), _created(obj, now)]


_REPLICAS_COLUMNS: tuple[Column, ...] = (
    _NAME,
    ("Desired", "integer", 0),
    ("Current", "integer", 0),
    ("Ready", "integer", 0),
    _AGE,
    ("Containers", "string", _W),
    ("Images", "string", _W),
    ("Selector", "string", _W),
)

_CREATED_AT: tuple[tuple[Column, ...], Printer] = (
    (_NAME, ("Created At", "date", 0)),
    lambda obj, now: [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp")],
)

PRINTERS: dict[str, tuple[tuple[Column, ...], Printer]] = {
    "pods": (
        (
            _NAME,
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            _AGE,
            ("IP", "string", _W),
            ("Node", "string", _W),
            ("Nominated Node", "string", _W),
            ("Readiness Gates", "string", _W),
        ),
        pod_cells,
    ),
    "deployments.apps": (
        (
            _NAME,
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            _AGE,
            ("Containers", "string", _W),
            ("Images", "string", _W),
            ("Selector", "string", _W),
        ),
        _deployment,
    ),
    "replicasets.apps": (_REPLICAS_COLUMNS, _replicaset),
    "replicationcontrollers": (_REPLICAS_COLUMNS, _replicationcontroller),
    "statefulsets.apps": (
        (
            _NAME,
            ("Ready", "string", 0),
            _AGE,
            ("Containers", "string", _W),
            ("Images", "string", _W),
        ),
        _statefulset,
    ),
    "daemonsets.apps": (
        (
            _NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            _AGE,
            ("Containers", "string", _W),
            ("Images", "string", _W),
            ("Selector", "string", _W),
        ),
        _daemonset,
    ),
    "controllerrevisions.apps": (
        (_NAME, ("Controller", "string", 0), ("Revision", "integer", 0), _AGE),
        _controllerrevision,
    ),
    # The default table (rest.NewDefaultTableConvertor): the creation time as an RFC 3339 date.
    "customresourcedefinitions.apiextensions.k8s.io": _CREATED_AT,
    "limitranges": _CREATED_AT,
    "storageclasses.storage.k8s.io": (
        (
            _NAME,
            ("Provisioner", "string", 0),
            ("ReclaimPolicy", "string", 0),
            ("VolumeBindingMode", "string", 0),
            ("AllowVolumeExpansion", "string", 0),
            _AGE,
        ),
        _storageclass,
    ),
    "services": (
        (
            _NAME,
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            _AGE,
            ("Selector", "string", _W),
        ),
        _service,
    ),
    "ingresses.networking.k8s.io": (
        (
            _NAME,
            ("Class", "string", 0),
            ("Hosts", "string", 0),
            ("Address", "string", 0),
            ("Ports", "string", 0),
            _AGE,
        ),
        _ingress,
    ),
    "endpoints": ((_NAME, ("Endpoints", "string", 0), _AGE), _endpoints),
    "endpointslices.discovery.k8s.io": (
        (
            _NAME,
            ("AddressType", "string", 0),
            ("Ports", "string", 0),
            ("Endpoints", "string", 0),
            _AGE,
        ),
        _endpointslice,
    ),
    "horizontalpodautoscalers.autoscaling": (
        (
            _NAME,
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "string", 0),
            ("Replicas", "string", 0),
            _AGE,
        ),
        _hpa,
    ),
    "events": (
        (
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", _W),
            ("Source", "string", _W),
            ("Message", "string", 0),
            ("First Seen", "string", _W),
            ("Count", "string", _W),
            ("Name", "string", _W),
        ),
        _event,
    ),
    "namespaces": ((_NAME, ("Status", "string", 0), _AGE), _namespace),
    "nodes": (
        (
            _NAME,
            ("Status", "string", 0),
            ("Roles", "string", 0),
            _AGE,
            ("Version", "string", 0),
            ("Internal-IP", "string", _W),
            ("External-IP", "string", _W),
            ("OS-Image", "string", _W),
            ("Kernel-Version", "string", _W),
            ("Container-Runtime", "string", _W),
        ),
        _node,
    ),
    "configmaps": ((_NAME, ("Data", "string", 0), _AGE), _configmap),
    "secrets": ((_NAME, ("Type", "string", 0), ("Data", "string", 0), _AGE), _secret),
    "serviceaccounts": ((_NAME, ("Secrets", "string", 0), _AGE), _serviceaccount),
    "cronjobs.batch": (
        (
            _NAME,
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "boolean", 0),
            ("Active", "integer", 0),
            ("Last Schedule", "string", 0),
            _AGE,
            ("Containers", "string", _W),
            ("Images", "string", _W),
            ("Selector", "string", _W),
        ),
        _cronjob,
    ),
    "networkpolicies.networking.k8s.io": (
        (_NAME, ("Pod-Selector", "string", 0), _AGE),
        _networkpolicy,
    ),
    "poddisruptionbudgets.policy": (
        (
            _NAME,
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            _AGE,
        ),
        _pdb,
    ),
    "jobs.batch": (
        (
            _NAME,
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            _AGE,
            ("Containers", "string", _W),
            ("Images", "string", _W),
            ("Selector", "string", _W),
        ),
        _job,
    ),
    "roles.rbac.authorization.k8s.io": (_ROLE_COLUMNS, _role),
    "clusterroles.rbac.authorization.k8s.io": (_ROLE_COLUMNS, _role),
    "rolebindings.rbac.authorization.k8s.io": (_BINDING_COLUMNS, _rolebinding),
    "clusterrolebindings.rbac.authorization.k8s.io": (_BINDING_COLUMNS, _rolebinding),
    "persistentvolumeclaims": (
        (
            _NAME,
            ("Status", "string", 0),
            ("Volume", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            _AGE,
            ("VolumeMode", "string", _W),
        ),
        _pvc,
    ),
    "persistentvolumes": (
        (
            _NAME,
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("Reclaim Policy", "string", 0),
            ("Status", "string", 0),
            ("Claim", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            ("Reason", "string", 0),
            _AGE,
            ("VolumeMode", "string", _W),
        ),
        _pv,
    ),
    "resourcequotas": (
        (_NAME, ("Request", "string", 0), ("Limit", "string", 0), _AGE),
        _resourcequota,
    ),
    "leases.coordination.k8s.io": ((_NAME, ("Holder", "string", 0), _AGE), _lease),
    "apiservices.apiregistration.k8s.io": (
        (_NAME, ("Service", "string", 0), ("Available", "string", 0), _AGE),
        _apiservice,
    ),
    # metrics-server's own table: name, usage and the sampling window.
    "pods.metrics.k8s.io": (
        (_NAME, ("CPU", "string", 0), ("Memory", "string", 0), ("Window", "string", 0)),
        _metrics,
    ),
    "nodes.metrics.k8s.io": (
        (_NAME, ("CPU", "string", 0), ("Memory", "string", 0), ("Window", "string", 0)),
        _metrics,
    ),
}


def column_definitions(gr: str) -> list[Obj]:
    columns, _ = PRINTERS.get(gr, ((_NAME, _AGE), _default))
    out = []
    for name, kind, priority in columns:
        col: Obj = {
            "name": name,
            "type": kind,
            "format": "name" if name == "Name" else "",
            "description": _DESCRIPTIONS.get(name, name),
            "priority": priority,
        }
        out.append(col)
    return out


def _default(obj: Obj, now: float) -> Row:
    return [obj["metadata"]["name"], _created(obj, now)]


def row(gr: str, obj: Obj, now: float, row_object: Obj | None) -> Obj:
    """One table row; ``row_object`` is what ``includeObject`` asked for (or None)."""
    _, printer = PRINTERS.get(gr, ((_NAME, _AGE), _default))
    out: Obj = {"cells": printer(obj, now)}
    if gr == "pods":
        conditions = pod_row_conditions(obj)
        if conditions:
            out["conditions"] = conditions
    if row_object is not None:
        out["object"] = row_object
    return out


def table(
    gr: str,
    rows: list[Obj],
    resource_version: str,
    *,
    continue_token: str | None = None,
    remaining: int | None = None,
    with_columns: bool = True,
) -> Obj:
    meta: Obj = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": column_definitions(gr) if with_columns else [],
        "rows": rows,
    }
