"""What a simulated container looks like from inside: its environment, its files, its name.

A simulated container runs no program. ``kubectl exec`` into it reaches the built-in shell of
:mod:`.shell`, which sees the :class:`Container` this module builds from the pod, the way the
kubelet would set the container up:

- **Environment**, in this order: ``PATH``; ``HOSTNAME`` (the pod's name); the container's
  ``envFrom`` (ConfigMaps and Secrets, with their ``prefix``) and ``env`` in spec order, each
  ``value`` expanding ``$(NAME)`` references to variables defined before it, ``valueFrom``
  resolved (``configMapKeyRef``, ``secretKeyRef`` decoded, ``fieldRef`` of the pod's metadata,
  spec and status, ``resourceFieldRef`` of the container's requests and limits); then the
  service links of the pod's namespace (``MY_APP_SERVICE_HOST``, ``MY_APP_PORT_80_TCP``...,
  unless ``enableServiceLinks: false``) and the ``kubernetes`` Service's ``KUBERNETES_*``;
  ``HOME=/root`` last unless set. A missing optional source is skipped (a required one would
  have kept the container from starting: the sim skips it too).
- **Files**: every ConfigMap and Secret volume mounted in the container, one file per key at
  ``mountPath/key`` (or the ``items`` paths), Secrets decoded, a ``subPath`` mount as the one
  file; plus ``/etc/hostname``. Nothing else exists; nothing is writable.
- **bash**: present only when the image reference names a distribution that ships it
  (``debian``, ``ubuntu``, ``centos``, ``fedora``, ``rhel``, ``ubi``, ``bash``): the demo
  images are busybox-like, with ``sh`` only.

Secret values reach only the exec stream that asked for them; nothing here logs them.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass, field
from typing import Any

from . import quantity
from .store import Store

Obj = dict[str, Any]

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_BASH_IMAGES = ("bash", "debian", "ubuntu", "centos", "fedora", "rhel", "ubi")
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


@dataclass
class Container:
    """The inside of one running container."""

    pod: str
    namespace: str
    name: str
    image: str
    env: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def has_bash(self) -> bool:
        repository = self.image.split("@")[0].rsplit(":", 1)[0].lower()
        return any(word in repository for word in _BASH_IMAGES)

    def is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return path == "/" or any(p.startswith(prefix) for p in self.files)

    def entries(self, path: str) -> list[str]:
        """The names directly under directory ``path`` (sorted, hidden ones included)."""
        prefix = "/" if path == "/" else path.rstrip("/") + "/"
        names = {p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)}
        return sorted(names)


def _decode(value: str) -> str:
    try:
        return base64.b64decode(value).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _source_data(store: Store, namespace: str, kind: str, name: str) -> dict[str, str] | None:
    """The data of ConfigMap or Secret ``name`` (Secret values decoded); None when missing."""
    if kind == "configmaps":
        cm = store.get("configmaps", namespace, name)
        if cm is None:
            return None
        data = dict(cm.get("data") or {})
        for key, value in (cm.get("binaryData") or {}).items():
            data[key] = _decode(value)
        return data
    secret = store.get("secrets", namespace, name)
    if secret is None:
        return None
    data = {k: _decode(v) for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data


def _field_path(pod: Obj, path: str) -> str:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    match = re.fullmatch(r"metadata\.(labels|annotations)\['(.*)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    values = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.hostIP": status.get("hostIP"),
        "status.podIP": status.get("podIP"),
        "status.podIPs": ",".join(ip.get("ip", "") for ip in status.get("podIPs") or []),
        "status.hostIPs": ",".join(ip.get("ip", "") for ip in status.get("hostIPs") or []),
    }
    return str(values.get(path) or "")


def _resource_field(container: Obj, ref: Obj) -> str:
    """resourceFieldRef, as the kubelet rounds it: up to whole divisors (cpu default 1 core,
    memory default 1 byte); an unset limit reads as the node's allocatable in a real cluster,
    which the sim does not model: it answers 0."""
    resource = str(ref.get("resource", ""))
    section, _, name = resource.partition(".")
    raw = ((container.get("resources") or {}).get(section) or {}).get(name)
    if raw is None:
        return "0"
    divisor = quantity.parse(ref.get("divisor") or "1")
    value = quantity.parse(raw)
    return str(max(1, math.ceil(value / divisor)) if value else 0)


def _expand(value: str, defined: dict[str, str]) -> str:
    """$(NAME) expansion of an env value (the kubelet's expansion.MappingFuncFor): a
    reference to an undefined name stays as written, ``$$`` escapes a ``$``."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return defined[name] if name in defined else match.group(0)

    return _REFERENCE.sub(one, value)


def _service_links(store: Store, namespace: str) -> list[tuple[str, str]]:
    """The docker-link variables of every Service with a cluster IP in the namespace (and of
    ``default/kubernetes``), as the kubelet's envvars.FromServices builds them."""
    env: list[tuple[str, str]] = []
    services = list(store.list("services", namespace))
    if namespace != "default":
        kubernetes = store.get("services", "default", "kubernetes")
        if kubernetes is not None:
            services.append(kubernetes)
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None":
            continue
        prefix = svc["metadata"]["name"].upper().replace("-", "_")
        ports = spec.get("ports") or []
        env.append((f"{prefix}_SERVICE_HOST", ip))
        if ports:
            env.append((f"{prefix}_SERVICE_PORT", str(ports[0].get("port", ""))))
        for port in ports:
            if port.get("name"):
                name = port["name"].upper().replace("-", "_")
                env.append((f"{prefix}_SERVICE_PORT_{name}", str(port.get("port", ""))))
        if ports:
            first = ports[0]
            proto = str(first.get("protocol", "TCP")).lower()
            env.append((f"{prefix}_PORT", f"{proto}://{ip}:{first.get('port', '')}"))
        for port in ports:
            proto = str(port.get("protocol", "TCP"))
            number = port.get("port", "")
            base = f"{prefix}_PORT_{number}_{proto.upper()}"
            env.append((base, f"{proto.lower()}://{ip}:{number}"))
            env.append((f"{base}_PROTO", proto.lower()))
            env.append((f"{base}_PORT", str(number)))
            env.append((f"{base}_ADDR", ip))
    return env


def _value_from(store: Store, pod: Obj, container: Obj, source: Obj) -> str | None:
    namespace = pod["metadata"].get("namespace", "")
    for kind, key in (("configmaps", "configMapKeyRef"), ("secrets", "secretKeyRef")):
        ref = source.get(key)
        if ref:
            data = _source_data(store, namespace, kind, ref.get("name", "")) or {}
            return data.get(ref.get("key", ""))
    if source.get("fieldRef"):
        return _field_path(pod, str(source["fieldRef"].get("fieldPath", "")))
    if source.get("resourceFieldRef"):
        return _resource_field(container, source["resourceFieldRef"])
    return None


def _environment(store: Store, pod: Obj, container: Obj) -> list[tuple[str, str]]:
    namespace = pod["metadata"].get("namespace", "")
    spec = pod.get("spec") or {}
    values: dict[str, str] = {"PATH": PATH, "HOSTNAME": pod["metadata"]["name"]}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, key in (("configmaps", "configMapRef"), ("secrets", "secretRef")):
            ref = source.get(key)
            if ref:
                data = _source_data(store, namespace, kind, ref.get("name", ""))
                for name, value in (data or {}).items():
                    values[prefix + name] = value
    for var in container.get("env") or []:
        name = var.get("name", "")
        if "value" in var or "valueFrom" not in var:
            values[name] = _expand(str(var.get("value", "")), values)
            continue
        resolved = _value_from(store, pod, container, var["valueFrom"] or {})
        if resolved is not None:
            values[name] = resolved
    if spec.get("enableServiceLinks", True) is not False:
        links = _service_links(store, namespace)
    else:
        links = [kv for kv in _service_links(store, namespace) if kv[0].startswith("KUBERNETES_")]
    for name, value in links:
        values.setdefault(name, value)
    values.setdefault("HOME", "/root")
    return list(values.items())


def _volume_files(store: Store, pod: Obj, container: Obj) -> dict[str, bytes]:
    namespace = pod["metadata"].get("namespace", "")
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
    files: dict[str, bytes] = {}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name")) or {}
        if volume.get("configMap") is not None:
            ref, kind, name_key = volume["configMap"], "configmaps", "name"
        elif volume.get("secret") is not None:
            ref, kind, name_key = volume["secret"], "secrets", "secretName"
        else:
            continue
        data = _source_data(store, namespace, kind, ref.get(name_key, "")) or {}
        items = ref.get("items")
        paths = {i.get("key"): i.get("path") for i in items} if items else {k: k for k in data}
        base = str(mount.get("mountPath", "")).rstrip("/")
        sub = mount.get("subPath")
        for key, rel in paths.items():
            if key not in data or not rel:
                continue
            if sub:
                if rel == sub:
                    files[base] = data[key].encode()
                continue
            files[f"{base}/{rel}"] = data[key].encode()
    return files


def build(store: Store, pod: Obj, name: str) -> Container:
    """The container ``name`` of ``pod`` as its shell sees it."""
    spec = pod.get("spec") or {}
    every = (
        (spec.get("containers") or [])
        + (spec.get("initContainers") or [])
        + (spec.get("ephemeralContainers") or [])
    )
    container: Obj = next((c for c in every if c.get("name") == name), {})
    meta = pod["metadata"]
    files = _volume_files(store, pod, container)
    files["/etc/hostname"] = (meta["name"] + "\n").encode()
    return Container(
        pod=meta["name"],
        namespace=meta.get("namespace", ""),
        name=name,
        image=str(container.get("image", "")),
        env=_environment(store, pod, container),
        files=files,
    )
