"""The stacks table's row keys and the model's WorkloadRef agree, until the screens pass refs."""

from __future__ import annotations

import pytest

from kubectl_stack.model import ref as model_ref
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.ui.presenters import stacks as present


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet"])
def test_a_row_key_is_the_refs_key(kind: str) -> None:
    ref = WorkloadRef(kind, "shop", "web")
    assert present.stack_key(kind, "shop", "web") == ref.key
    assert present.parse_stack_key(ref.key) == (ref.kind, ref.namespace, ref.name)
    assert present.GROUP_PREFIX == model_ref.GROUP_PREFIX
    assert WorkloadRef.parse(present.GROUP_PREFIX + "team") is None
