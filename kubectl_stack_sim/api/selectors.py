"""Label and field selectors, parsed and matched as the API server does.

Label selectors accept every operator of k8s.io/apimachinery/pkg/labels (``=``, ``==``, ``!=``,
``in``, ``notin``, existence ``key`` and ``!key``, ``>`` and ``<``). Field selectors accept
``=``, ``==`` and ``!=`` over the fields each kind supports; anything else is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..labels import Requirement
from .errors import bad_request

Obj = dict[str, Any]


LabelSelector = tuple[Requirement, ...]

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|>|<|[^\s!=(),<>]+)")


def _tokens(text: str) -> list[str]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise bad_request(f"unable to parse requirement: {text!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse ``labelSelector``; a malformed one raises a 400 :class:`ApiError`."""
    if not text or not text.strip():
        return ()
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def need(cond: bool) -> None:
        if not cond:
            raise bad_request(f"unable to parse requirement: found '{text}', invalid selector")

    while i < len(toks):
        if toks[i] == "!":
            need(i + 1 < len(toks))
            reqs.append(Requirement(toks[i + 1], "!"))
            i += 2
        else:
            key = toks[i]
            need(key not in "(),=!<>")
            i += 1
            if i >= len(toks) or toks[i] == ",":
                reqs.append(Requirement(key, "exists"))
            elif toks[i] in ("=", "==", "!="):
                op = "!=" if toks[i] == "!=" else "="
                i += 1
                value = ""
                if i < len(toks) and toks[i] != ",":
                    value = toks[i]
                    i += 1
                reqs.append(Requirement(key, op, (value,)))
            elif toks[i] in (">", "<"):
                op = "gt" if toks[i] == ">" else "lt"
                need(i + 1 < len(toks) and toks[i + 1].lstrip("-").isdigit())
                reqs.append(Requirement(key, op, (toks[i + 1],)))
                i += 2
            elif toks[i] in ("in", "notin"):
                op = toks[i]
                i += 1
                need(i < len(toks) and toks[i] == "(")
                i += 1
                values: list[str] = []
                while i < len(toks) and toks[i] != ")":
                    if toks[i] != ",":
                        values.append(toks[i])
                    i += 1
                need(i < len(toks))
                i += 1
                reqs.append(Requirement(key, op, tuple(values)))
            else:
                need(False)
        if i < len(toks):
            need(toks[i] == ",")
            i += 1
    return tuple(reqs)


def labels_match(selector: LabelSelector, obj: Obj) -> bool:
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(r.matches(labels) for r in selector)


# -- field selectors ------------------------------------------------------------------------

FieldGetter = Callable[[Obj], str]


def _path(*keys: str) -> FieldGetter:
    def get(obj: Obj) -> str:
        cur: Any = obj
        for k in keys:
            if not isinstance(cur, dict):
                return ""
            cur = cur.get(k)
        if cur is None:
            return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return get


_COMMON: dict[str, FieldGetter] = {
    "metadata.name": _path("metadata", "name"),
    "metadata.namespace": _path("metadata", "namespace"),
}

_BY_GR: dict[str, dict[str, FieldGetter]] = {
    "pods": {
        "status.phase": _path("status", "phase"),
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": _path("spec", "hostNetwork"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "events": {
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "secrets": {"type": _path("type")},
    "namespaces": {"status.phase": _path("status", "phase")},
    "nodes": {"spec.unschedulable": _path("spec", "unschedulable")},
    "replicasets.apps": {"status.replicas": _path("status", "replicas")},
}


FieldSelector = tuple[tuple[FieldGetter, bool, str], ...]


def parse_field_selector(gr: str, text: str | None) -> FieldSelector:
    """Parse ``fieldSelector`` for one kind; an unsupported field is a 400 as in kube."""
    if not text or not text.strip():
        return ()
    fields = {**_COMMON, **_BY_GR.get(gr, {})}
    out: list[tuple[FieldGetter, bool, str]] = []
    for term in text.split(","):
        term = term.strip()
        if not term:
            continue
        for op in ("!=", "==", "="):
            if op in term:
                key, _, value = term.partition(op)
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        key = key.strip()
        getter = fields.get(key)
        if getter is None:
            raise bad_request(f"field label not supported: {key}")
        out.append((getter, op == "!=", value.strip()))
    return tuple(out)


def fields_match(selector: FieldSelector, obj: Obj) -> bool:
    return all((getter(obj) == value) != negate for getter, negate, value in selector)
