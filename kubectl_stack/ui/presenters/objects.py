"""Single objects from the cache, as the screens look them up: a workload by kind, any object
a stack shows (for the YAML view), a pod's containers, who manages a workload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ... import kinds as K
from ...model import fields as u
from ...model import managedby as model_managedby
from ...model import yamlview as model_yamlview
from ..source import Source
from .text import cut_strings, document, fmt

if TYPE_CHECKING:
    from rich.syntax import Syntax

Obj = Mapping[str, Any]


def store_kind(kind: str) -> str:
    """The cache's kind name for ``kind`` (Deployment, StatefulSet, Pod ...)."""
    return K.store_key(kind)


def workload(source: Source, kind: str, namespace: str, name: str) -> Obj | None:
    """The cached workload of ``kind`` (Deployment, StatefulSet, DaemonSet), or None."""
    return source.get(store_kind(kind), namespace, name)


def managed_by(source: Source, kind: str, namespace: str, name: str) -> model_managedby.ManagedBy:
    """Helm / Argo CD / Flux managing this workload (Applications and Helm's release Secrets
    read when the cluster serves and the user may list them)."""
    obj = workload(source, kind, namespace, name)
    if obj is None:
        return model_managedby.ManagedBy()
    return model_managedby.managed_by(
        # List items carry no kind; the Argo CD tracking id is checked against it.
        {**obj, "kind": kind},
        applications=source.objects("applications"),
        helm_secrets=source.objects("secrets", namespace),
    )


def containers_of(source: Source, namespace: str, pod: str) -> list[str]:
    """The pod's container names, in spec order."""
    obj = source.get("pods", namespace, pod)
    return [u.s(c.get("name")) for c in u.dicts(u.path(obj, "spec", "containers"))]


def cached_object(source: Source, kind: str, namespace: str, name: str) -> Obj | None:
    """The cached object the YAML view shows (the same object until it changes: the cache
    replaces, never mutates)."""
    return source.get(store_kind(kind), namespace, name)


def yaml_of(kind: str, name: str, obj: Obj | str | None) -> Text | Syntax:
    """``obj`` as ``kubectl get -o yaml`` (Secret values redacted by the model); a message
    (``str``) or None (not found) as one line."""
    if obj is None:
        return fmt('{} "{}" not found (it may have been deleted)', kind.lower(), name)
    if isinstance(obj, str):
        return fmt("{}", obj)
    # PyYAML escapes control characters itself, but not bidi overrides or U+0085.
    yaml_text = document(model_yamlview.to_yaml(cut_strings(obj)))
    from rich.syntax import Syntax  # pygments: not before the first screen

    return Syntax(yaml_text, "yaml", theme="ansi_dark", word_wrap=True)
