"""A fourth workload kind, given to the registry by one test-only module (tests/fakeset.py),
goes through the same screens as the three real kinds: listed in the Stacks list under its
short name, opened as a stack showing kubectl-style rollout status, its history listed, its
``:fks`` command word understood, with no other module of the app naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fakeset
import pytest

from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.app import make_app

from .conftest import TEST_SETTINGS, until, until_text
from .memory import MemorySource

NOW = 1_750_000_000.0
UID = "0f0f0f0f-0000-4000-8000-000000000002"
CREATED = "2025-06-15T15:00:00Z"  # 6m40s before NOW


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    with fakeset.registered():
        yield


def _template(image: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "cache"}},
        "spec": {"containers": [{"name": "cache", "image": image}]},
    }


def _owned(name: str, uid: str, **extra: Any) -> dict[str, Any]:
    """Metadata of an object the FakeSet controls."""
    owner = {"uid": UID, "controller": True, "kind": "FakeSet", "name": "cache"}
    return {
        "name": name,
        "namespace": "shop",
        "uid": uid,
        "labels": {"app": "cache"},
        "ownerReferences": [owner],
        "creationTimestamp": CREATED,
        **extra,
    }


def _objects() -> dict[str, list[dict[str, Any]]]:
    fake = {
        "metadata": {
            "name": "cache",
            "namespace": "shop",
            "uid": UID,
            "creationTimestamp": CREATED,
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "cache"}},
            "template": _template("cache:2"),
        },
        "status": {"replicas": 2, "readyReplicas": 1, "updatedReplicas": 2},
    }
    revisions = [
        {
            "metadata": _owned(
                f"cache-rev{n}",
                f"rev-{n}",
                annotations={"kubernetes.io/change-cause": f"image cache:{n}"},
            ),
            "revision": n,
            "data": {"spec": {"template": {**_template(f"cache:{n}"), "$patch": "replace"}}},
        }
        for n in (1, 2)
    ]
    pods = [
        {
            "metadata": _owned(f"cache-{i}", f"pod-{i}"),
            "spec": _template("cache:2")["spec"],
            "status": {"phase": "Pending"},
        }
        for i in (0, 1)
    ]
    return {"fakesets": [fake], "controllerrevisions": revisions, "pods": pods}


def _app() -> Any:
    source = MemorySource(_objects(), namespace="shop")
    options = Options(connection=ConnectionOptions())
    return make_app(options, settings=TEST_SETTINGS, source=source, now=lambda: NOW)


async def test_a_registered_fourth_kind_is_listed_opened_and_has_history() -> None:
    app = _app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "fks/cache", "1/2")
        await pilot.press("enter")
        # kubectl-style rollout status, from the kind's own status viewer
        await until_text(pilot, "Waiting for 1 fakes to be ready...", "cache-0")
        await pilot.press("h")
        screen = await until_text(pilot, "CONTROLLERREVISION", "cache-rev1", "image cache:1")
        assert "2 *" in screen  # the current revision
        assert "cache:1" in screen


async def test_the_command_bar_knows_a_registered_kind_s_short_name() -> None:
    app = _app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "fks/cache")
        await pilot.press(":", *"fks", "enter")
        await until_text(pilot, "fks/cache")
        await pilot.press(":", *"deploy", "enter")
        await until_text(pilot, "no Deployment")


async def test_logs_of_a_registered_kind_follow_all_its_pods() -> None:
    # l on the Stacks list and on its Stack screen both open the stream of all its pods (found
    # through the kind's pod owner), named as the list names it.
    from kubectl_stack.model.ref import WorkloadRef
    from kubectl_stack.ui.screens.logs import LogsScreen
    from kubectl_stack.ui.screens.stack import StackScreen

    app = _app()
    cache = WorkloadRef("FakeSet", "shop", "cache")

    def on_logs() -> bool:
        return isinstance(app.screen, LogsScreen) and app.screen.followed == cache

    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "fks/cache")
        await pilot.press("l")
        await until(pilot, on_logs, "its logs, from the Stacks list")
        await until_text(pilot, "logs · fks/cache (0 pods)")
        assert app.screen.title == "Logs fks/cache"
        await pilot.press("escape", "enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the Stack screen")
        await until_text(pilot, "Waiting for 1 fakes to be ready...")
        await pilot.press("l")
        await until(pilot, on_logs, "its logs, from its Stack screen")
