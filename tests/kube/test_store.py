"""ClusterState: keyed objects, change log, coalesced wake-ups (on a virtual clock)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_stack import jsonutil
from kubectl_stack.kube.interner import Interner
from kubectl_stack.kube.store import ClusterState, SyncState


class VirtualLoop:
    """Just enough of loop.time()/call_later to step time by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.now + delay, next(self._seq), fn))

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while self._timers and self._timers[0][0] <= end:
            when, _, fn = heapq.heappop(self._timers)
            self.now = when
            fn()
        self.now = end


def pod(name: str, rv: int, ns: str = "default", **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": str(rv), **extra}}


def make_state(**kw: Any) -> tuple[ClusterState, VirtualLoop]:
    loop = VirtualLoop()
    return ClusterState(now=lambda: loop.now, call_later=loop.call_later, **kw), loop


def test_objects_are_keyed_by_namespace_and_name_without_managed_fields() -> None:
    state, _ = make_state()
    state.upsert("pods", pod("web-1", 5, managedFields=[{"manager": "kubectl"}]))
    stored = state.get("pods", "default", "web-1")
    assert stored is not None
    assert "managedFields" not in stored["metadata"]
    assert list(state.objects("pods")) == [("default", "web-1")]


def test_subscribers_are_woken_at_most_ten_times_a_second() -> None:
    state, loop = make_state()
    calls: list[float] = []
    state.subscribe(lambda version: calls.append(loop.now))
    for i in range(5000):  # 5000 events spread over 2 seconds
        state.upsert("pods", pod(f"p{i % 50}", i + 1))
        loop.advance(2.0 / 5000)
    loop.advance(1.0)
    assert 10 <= len(calls) <= 21
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 0.1 - 1e-9


def test_last_change_of_a_burst_is_always_delivered() -> None:
    state, loop = make_state()
    seen: list[int] = []
    state.subscribe(seen.append)
    state.upsert("pods", pod("a", 1))
    loop.advance(0.01)
    state.upsert("pods", pod("b", 2))
    loop.advance(1.0)
    assert seen[-1] == state.version


def test_changes_since_lists_what_changed_including_deletions() -> None:
    state, _ = make_state()
    state.upsert("pods", pod("a", 1))
    mark = state.version
    state.upsert("pods", pod("b", 2))
    state.upsert("pods", pod("a", 3))
    state.delete("pods", pod("b", 4))
    changes = state.changes_since(mark)
    assert changes is not None
    assert [(c.name, c.type) for c in changes] == [
        ("b", "ADDED"),
        ("a", "MODIFIED"),
        ("b", "DELETED"),
    ]
    assert state.changes_since(state.version) == []


def test_changes_since_too_old_asks_for_a_full_reread() -> None:
    state, _ = make_state(change_log=3)
    for i in range(10):
        state.upsert("pods", pod(f"p{i}", i + 1))
    assert state.changes_since(1) is None
    assert state.changes_since(8) is not None


def test_unchanged_resource_version_is_not_a_change() -> None:
    state, _ = make_state()
    state.upsert("pods", pod("a", 1))
    version = state.version
    assert not state.upsert("pods", pod("a", 1))
    assert state.version == version


def test_relist_records_only_differences_and_missed_deletions() -> None:
    state, _ = make_state()
    state.replace("pods", None, [pod("a", 1), pod("b", 2), pod("c", 3, ns="other")])
    mark = state.version
    state.replace("pods", "default", [pod("a", 1), pod("d", 7)])
    changes = state.changes_since(mark)
    assert changes is not None
    assert sorted((c.name, c.type) for c in changes) == [("b", "DELETED"), ("d", "ADDED")]
    # Another namespace's objects are outside this relist's scope.
    assert state.get("pods", "other", "c") is not None


def test_forbidden_kinds_and_connection_status_are_reported() -> None:
    state, _ = make_state()
    state.set_status("secrets", SyncState.FORBIDDEN, 'secrets is forbidden: User "viewer"')
    assert state.forbidden == frozenset({"secrets"})
    state.report_retry("pods", "connection refused", 4.0)
    status = state.connection
    assert status.state == "retrying"
    assert status.reason == "connection refused"
    retry_in = status.retry_in()
    assert retry_in is not None and 3.0 < retry_in <= 4.0
    state.report_ok("pods")
    assert state.connection.state == "ok"
    assert state.connection.last_good is not None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=30,
)


@pytest.mark.parametrize("by_digest", [True, False], ids=["digest", "items"])
@given(obj=st.dictionaries(st.sampled_from(["spec", "status", "kind", "x"]), json_values))
def test_interned_objects_equal_the_originals(by_digest: bool, obj: dict[str, Any]) -> None:
    interner = Interner(capacity=8, by_digest=by_digest)
    first = interner.intern(obj)
    again = interner.intern(jsonutil.loads(jsonutil.dumps(obj)))
    assert first == obj and again == obj
    assert jsonutil.dumps(first) == jsonutil.dumps(obj)  # True stays true, 1 stays 1
    # With room in its table, equal parts of the two copies are one object.
    roomy = Interner(by_digest=by_digest)
    first, again = roomy.intern(obj), roomy.intern(jsonutil.loads(jsonutil.dumps(obj)))
    for key, value in obj.items():
        if isinstance(value, (dict, list)):
            assert again[key] is first[key]


def test_equal_parts_of_different_pods_are_stored_once() -> None:
    state, _ = make_state()
    spec = {"containers": [{"name": "app", "ports": [{"containerPort": 80}]}]}
    for name in ("a", "b"):
        state.upsert("pods", {**pod(name, 1), "spec": jsonutil.loads(jsonutil.dumps(spec))})
    a, b = state.get("pods", "default", "a"), state.get("pods", "default", "b")
    assert a is not None and b is not None
    assert a["spec"] is b["spec"]
    assert a["metadata"] is not b["metadata"]
    flags = {"spec": {"on": True}}
    ones = {"spec": {"on": 1}}
    floats = {"spec": {"on": 1.0}}
    for by_digest in (True, False):
        interner = Interner(by_digest=by_digest)
        shared = [interner.intern(o)["spec"] for o in (flags, ones, floats)]
        assert len({id(s) for s in shared}) == 3
        assert [jsonutil.dumps(s) for s in shared] == [b'{"on":true}', b'{"on":1}', b'{"on":1.0}']


def test_an_update_keeps_the_parts_it_shares_with_its_siblings() -> None:
    # A busy kubelet flips readiness: the spec shared by a ReplicaSet's pods must stay
    # shared (not copied per update once the interner's table has been emptied).
    spec = {"containers": [{"name": "app", "readinessProbe": {"periodSeconds": 10}}]}
    labels = {"app": "web"}

    def version(name: str, rv: int, ready: bool) -> dict[str, Any]:
        obj = {**pod(name, rv, labels=labels), "spec": spec, "status": {"ready": ready}}
        return dict(jsonutil.loads(jsonutil.dumps(obj)))

    for by_digest in (True, False):
        interner = Interner(capacity=2, by_digest=by_digest)
        first = interner.intern(version("web-1", 1, True))
        sibling = interner.intern(version("web-2", 1, True), first)
        assert sibling["spec"] is first["spec"]
        for rv in range(2, 6):
            flipped = interner.intern(version("web-1", rv, rv % 2 == 0), first)
            assert flipped["spec"] is first["spec"]
            assert flipped["metadata"]["labels"] is first["metadata"]["labels"]
            assert flipped["status"] == {"ready": rv % 2 == 0}
        # Equal as Python values is not enough: true stays true, 1 stays 1.
        ones = interner.intern({**version("web-1", 9, True), "status": {"ready": 1}}, first)
        assert jsonutil.dumps(ones["status"]) == b'{"ready":1}'

    state, _ = make_state()
    state.upsert("pods", version("web-1", 1, True))
    before = state.get("pods", "default", "web-1")
    state.upsert("pods", version("web-1", 2, False))
    after = state.get("pods", "default", "web-1")
    assert before is not None and after is not None
    assert after["spec"] is before["spec"] and after["status"] == {"ready": False}


def test_an_update_keeps_every_unchanged_part_at_any_depth() -> None:
    # One container's readiness flips: its siblings' statuses, the other conditions and the
    # container's own unchanged parts stay the very objects stored before, however long
    # ago the interner's table was emptied (a churned pod must not lose what it shared).
    def version(rv: int, ready: bool) -> dict[str, Any]:
        obj = {
            **pod("web-1", rv),
            "status": {
                "conditions": [
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "Ready", "status": str(ready)},
                ],
                "containerStatuses": [
                    {"name": "app", "ready": ready, "state": {"running": {}}, "image": "web:1"},
                    {"name": "sidecar", "ready": True, "state": {"running": {}}},
                ],
            },
        }
        return dict(jsonutil.loads(jsonutil.dumps(obj)))

    for by_digest in (True, False):
        interner = Interner(capacity=64, by_digest=by_digest)
        first = interner.intern(version(1, True))
        for n in range(64):  # the table emptied
            interner.intern({"spec": {"filler": [n]}})
        flipped = interner.intern(version(2, False), first)
        assert flipped == version(2, False)
        before, after = first["status"], flipped["status"]
        assert after["conditions"][0] is before["conditions"][0]
        assert after["conditions"][1] == {"type": "Ready", "status": "False"}
        assert after["containerStatuses"][1] is before["containerStatuses"][1]
        assert after["containerStatuses"][0]["state"] is before["containerStatuses"][0]["state"]
        # Nothing stored is changed in place.
        assert first == interner.intern(version(1, True))
        if not by_digest:
            continue  # by items, children are keyed by identity: a sibling's are others
        # What changed is shared with a sibling's equal part.
        for n in range(64):
            interner.intern({"spec": {"filler": [n]}})
        not_ready = interner.intern({**version(1, False), "metadata": {"name": "web-2"}})
        again = interner.intern(version(3, True), flipped)
        back = interner.intern(version(4, False), again)
        assert back["status"]["containerStatuses"] is not_ready["status"]["containerStatuses"]
        assert back["status"]["conditions"] is not_ready["status"]["conditions"]


@pytest.mark.parametrize("by_digest", [True, False], ids=["digest", "items"])
@given(
    old=st.dictionaries(st.sampled_from(["spec", "status", "x"]), json_values),
    new=st.dictionaries(st.sampled_from(["spec", "status", "x"]), json_values),
)
def test_an_update_interned_like_its_last_version_equals_the_update(
    by_digest: bool, old: dict[str, Any], new: dict[str, Any]
) -> None:
    interner = Interner(capacity=4, by_digest=by_digest)
    stored = interner.intern(old)
    updated = interner.intern(new, stored)
    assert updated == new
    assert jsonutil.dumps(updated) == jsonutil.dumps(new)  # True stays true, 1 stays 1
    assert jsonutil.dumps(stored) == jsonutil.dumps(old)
