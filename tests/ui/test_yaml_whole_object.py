"""The YAML view of a pod shows the whole object as the API server holds it, though the
informers store pods trimmed (kube.trim): it reads the pod again when it opens and each time
the cached pod changes."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from textual.widgets import Static

from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import build_app, until


def _body(screen: ObjectScreen) -> str:
    content = screen.query_one("#object-body", Static).content
    return content.code if isinstance(content, Syntax) else str(content)


async def test_the_yaml_of_a_pod_shows_what_the_store_does_not_keep(sim: RunningSim) -> None:
    pods = sim.call(lambda: list(sim.cluster.store.list("pods")))
    served: dict[str, Any] = next(p for p in pods if p["status"].get("containerStatuses"))
    namespace, name = served["metadata"]["namespace"], served["metadata"]["name"]
    container_id = served["status"]["containerStatuses"][0]["containerID"]
    app = build_app(sim, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.source is not None and app.source.synced(), "the cache")
        assert app.source is not None
        cached = app.source.get("pods", namespace, name)
        assert cached is not None and "containerID" not in cached["status"]["containerStatuses"][0]
        screen = ObjectScreen("Pod", namespace, name, mode="yaml")
        await app.push_screen(screen)
        await until(pilot, lambda: container_id in _body(screen), "the pod read from the server")
        body = _body(screen)
        assert f"containerID: {container_id}" in body
        assert "lastProbeTime" in body and "imageID" in body
        title = str(screen.query_one("#object-title", Static).content)
        assert "read at" in title
        # The pod changes: the view reads it again.
        sim.call(lambda: sim.cluster.store.update("pods", _relabelled(sim, namespace, name)))
        source = app.source

        def cached_labels() -> Any:
            return (source.get("pods", namespace, name) or {})["metadata"]["labels"]

        await until(pilot, lambda: "yaml-reread" in cached_labels(), "the cache to take it")
        await until(pilot, lambda: "yaml-reread: again" in _body(screen), "the changed pod")


def _relabelled(sim: RunningSim, namespace: str, name: str) -> dict[str, Any]:
    from kubectl_stack_sim.store import clone

    pod = clone(sim.cluster.store.get("pods", namespace, name))
    pod["metadata"].setdefault("labels", {})["yaml-reread"] = "again"
    return pod
