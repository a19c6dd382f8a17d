"""Pod templates as kubectl compares and shows them, whatever kind keeps them: equality
ignoring the pod-template-hash label (equalIgnoreHash, Semantic.DeepEqual), their images, and
the field-by-field diff an undo would make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u

CHANGE_CAUSE = "kubernetes.io/change-cause"
POD_TEMPLATE_HASH = "pod-template-hash"


def template_of(obj: Any) -> Mapping[str, Any]:
    """An object's ``spec.template`` ({} when it has none)."""
    return u.d(u.path(obj, "spec", "template"))


_QUANTITY_PARENTS = frozenset({"limits", "requests", "capacity", "allocatable"})


def _normalise(value: Any, parent: str = "") -> Any:
    """A comparable form of a template: Semantic.DeepEqual treats nil and empty slices/maps as
    equal and compares resource quantities by value, so "500m" equals "0.5"."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if parent in _QUANTITY_PARENTS:
                q = u.quantity(v)
                out[str(k)] = ("qty", q) if q is not None else _normalise(v, str(k))
                continue
            nv = _normalise(v, str(k))
            if nv is None or nv == {} or nv == []:
                continue
            out[str(k)] = nv
        return out
    if isinstance(value, list):
        return [_normalise(v, parent) for v in value]
    return value


def _without_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    t = dict(template)
    md = dict(u.d(t.get("metadata")))
    lbls = md.get("labels")
    if isinstance(lbls, Mapping) and POD_TEMPLATE_HASH in lbls:
        md["labels"] = {k: v for k, v in lbls.items() if k != POD_TEMPLATE_HASH}
    # The API always serialises creationTimestamp: null in templates; it carries no meaning.
    md.pop("creationTimestamp", None)
    t["metadata"] = md
    return t


def templates_equal(a: Any, b: Any) -> bool:
    """equalIgnoreHash: two pod templates are the same apart from the pod-template-hash label."""
    return bool(_normalise(_without_hash(u.d(a))) == _normalise(_without_hash(u.d(b))))


def images_of(template: Any) -> tuple[str, ...]:
    """The images of a pod template's containers, in order."""
    return tuple(u.s(c.get("image")) for c in u.dicts(u.path(template, "spec", "containers")))


@dataclass(frozen=True)
class DiffLine:
    """One changed field between two pod templates."""

    path: str  # e.g. "containers[app].image", "containers[app].env.LOG_LEVEL"
    old: str  # "<none>" when the field is absent on that side
    new: str

    @property
    def text(self) -> str:
        return f"{self.path}   {self.old} → {self.new}"


_KEYED_LISTS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "readinessGates": "conditionType",
}


def _flatten(value: Any, prefix: str, out: dict[str, str], parent: str = "") -> None:
    if isinstance(value, Mapping):
        if parent in _QUANTITY_PARENTS:
            for k, v in value.items():
                out[f"{prefix}.{k}"] = _scalar(v)
            return
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out, str(k))
        return
    if isinstance(value, list):
        key = _KEYED_LISTS.get(parent)
        for index, item in enumerate(value):
            ident = u.s(item.get(key)) if key and isinstance(item, Mapping) else ""
            if parent in ("containers", "initContainers", "ephemeralContainers") and ident:
                _flatten(item, f"{parent}[{ident}]", out)
            elif ident:
                _flatten(item, f"{prefix}.{ident}", out)
            else:
                _flatten(item, f"{prefix}[{index}]", out)
        return
    out[prefix] = _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (Mapping, list)):
        return "{}" if isinstance(value, Mapping) else "[]"
    return str(value)


def _flat_template(template: Any) -> dict[str, str]:
    t = _without_hash(u.d(template))
    out: dict[str, str] = {}
    lbls = u.d(u.path(t, "metadata", "labels"))
    for k, v in lbls.items():
        out[f"labels.{k}"] = _scalar(v)
    for k, v in u.d(u.path(t, "metadata", "annotations")).items():
        out[f"annotations.{k}"] = _scalar(v)
    spec = u.d(t.get("spec"))
    for key in ("initContainers", "containers"):
        _flatten(u.lst(spec.get(key)), key, out, key)
    rest = {k: v for k, v in spec.items() if k not in ("initContainers", "containers")}
    _flatten(rest, "", out)
    return out


def _same_scalar(a: str, b: str, path: str) -> bool:
    if a == b:
        return True
    if ".limits." in path or ".requests." in path:
        qa, qb = u.quantity(a), u.quantity(b)
        return qa is not None and qa == qb
    return False


def template_diff(current: Any, target: Any) -> tuple[DiffLine, ...]:
    """What changes when `current` pod template is replaced by `target`: image, env, resources,
    probes, volumes, labels... one line per leaf field, containers named rather than indexed.
    Empty when the templates are equal (ignoring the pod-template-hash label)."""
    old = _flat_template(current)
    new = _flat_template(target)
    lines: list[DiffLine] = []
    for key, value in new.items():
        before = old.get(key)
        if before is None:
            lines.append(DiffLine(key, "<none>", value))
        elif not _same_scalar(before, value, key):
            lines.append(DiffLine(key, before, value))
    for key, value in old.items():
        if key not in new:
            lines.append(DiffLine(key, value, "<none>"))
    return tuple(lines)
