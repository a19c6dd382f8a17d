"""The keys that hand work to kubectl (edit, shell, port-forward), the object picker, delete
of a stack's objects, per-context read-only and the ``:`` command bar, against the embedded
cluster. Edit runs the real kubectl with an editor script; shell and port-forward run a
recording stand-in (the embedded cluster serves neither exec nor portforward yet). A headless
app cannot give its terminal away: ``suspend`` is recorded instead (the tmux tests give it a
real terminal)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import standin_kubectl

from kubectl_stack.kube.kubectl import SHELL
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.settings import ContextSettings
from kubectl_stack.ui.app import StackApp, make_app
from kubectl_stack.ui.screens.dialogs import MutationDialog, PickerDialog
from kubectl_stack.ui.screens.forwards import ForwardsScreen
from kubectl_stack.ui.screens.kubectl_actions import DeleteDialog
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import (
    TEST_SETTINGS,
    Captured,
    advance,
    build_app,
    memory_app,
    sim_clock,
    until,
    until_pod_selected,
    until_text,
)
from .screen import screen_text


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The recording stand-in as the kubectl that invoked the plugin; returns its record."""
    kubectl = standin_kubectl.install(tmp_path / "standin")
    monkeypatch.setenv("KUBECTL_PLUGINS_CALLER", str(kubectl))
    record = tmp_path / "argv"
    monkeypatch.setenv("STANDIN_RECORD", str(record))
    return record


def recorded(record: Path) -> list[list[str]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hand-overs of the terminal, recorded (headless apps cannot suspend)."""
    events: list[str] = []

    @contextmanager
    def suspend(self: StackApp) -> Iterator[None]:
        events.append("suspend")
        yield
        events.append("resume")

    monkeypatch.setattr(StackApp, "suspend", suspend)
    return events


def deployment(sim: RunningSim) -> dict:
    return sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", "my-app"))


def configmap(sim: RunningSim) -> dict | None:
    return sim.call(lambda: sim.cluster.store.get("configmaps", "default", "app-config"))


async def pick(pilot, app: StackApp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the first item of the open picker whose text contains ``text``."""
    await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the picker")
    await pilot.press(*text)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, PickerDialog), "the picker to close")


async def stack_ready(pilot, app: StackApp) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
    await until_text(pilot, "Complete")


async def pick_object(pilot, app: StackApp, ref: str) -> None:  # type: ignore[no-untyped-def]
    """On the Stack screen: ``o`` and the stack object whose ref starts with ``ref``."""
    await pilot.press("o")
    await pick(pilot, app, ref)


async def open_delete(pilot, app: StackApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+d")
    await until(pilot, lambda: isinstance(app.screen, DeleteDialog), "the delete dialog")


async def test_edit_hands_the_terminal_to_kubectl_edit_of_the_picked_object(
    sim: RunningSim, standin: Path, handed: list[str]
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "service/")
        await until_text(pilot, "▸ service/my-app")
        await pilot.press("E")
        await until(pilot, lambda: bool(recorded(standin)), "kubectl to run")
        assert recorded(standin) == [
            [
                "edit",
                f"--kubeconfig={sim.kubeconfig}",
                "--context=sim",
                "--namespace",
                "default",
                "services",
                "my-app",
            ]
        ]
        assert handed == ["suspend", "resume"]
        assert ("information", "service/my-app edited") in app.notices
        assert isinstance(app.screen, StackScreen)


async def test_edit_with_real_kubectl_and_an_editor_script_changes_the_replicas(
    sim: RunningSim, handed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^  replicas: 3$/  replicas: 5/' \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("KUBE_EDITOR", str(editor))
    app = build_app(sim)
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("E")
        await until(pilot, lambda: deployment(sim)["spec"]["replicas"] == 5, "spec.replicas 5")
        assert ("information", "deployment/my-app edited") in app.notices
        await advance(pilot, sim, 10)
        await until_text(pilot, "/5")  # READY counts against the new spec
    assert handed == ["suspend", "resume"]


async def test_per_context_read_only_refuses_and_says_so_in_the_header(
    sim: RunningSim, standin: Path, handed: list[str]
) -> None:
    generation = deployment(sim)["metadata"]["generation"]
    settings = TEST_SETTINGS.__class__(
        show_clock=False, contexts={"sim": ContextSettings(read_only=True)}
    )
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    app = make_app(options, settings=settings, now=sim_clock(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        text = await until_text(pilot, "my-app", "Complete")
        assert "read-only" in text.splitlines()[0]
        assert "Scale" not in text and "Edit" not in text
        for key in ("s", "E", "r"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, StacksScreen), key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right", "S", "F", "ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, StackScreen)
    assert recorded(standin) == [] and handed == []
    assert deployment(sim)["metadata"]["generation"] == generation
    assert app.read_only_reason is not None and "context sim is read-only" in app.read_only_reason


async def test_delete_names_what_depends_on_it_opens_on_cancel_and_deletes_on_y(
    sim: RunningSim,
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "configmap/")
        await open_delete(pilot, app)
        text = await until_text(pilot, "Delete configmap/app-config")
        assert "the pod template of deployment/my-app uses it (envFrom)" in " ".join(text.split())
        await pilot.press("enter")  # a stray Enter: Cancel has the focus
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the dialog to close")
        assert configmap(sim) is not None
        await open_delete(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: configmap(sim) is None, "the ConfigMap to be deleted")
        await until(
            pilot,
            lambda: (
                (
                    "information",
                    'configmap "app-config" deleted from default namespace',
                )
                in app.notices
            ),
            "kubectl's line",
        )


async def test_delete_of_an_object_changed_since_the_dialog_opened_asks_again(
    sim: RunningSim, kubectl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that a loaded machine cannot let the window pass before the test's y.
    monkeypatch.setattr(MutationDialog, "REARM_SECONDS", 3.0)
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "configmap/")
        await open_delete(pilot, app)
        done = kubectl("label", "configmap", "app-config", "changed=yes")
        assert done.returncode == 0, done.stderr
        await until_text(pilot, "changed while this was open", "resourceVersion")
        await pilot.press("y")  # decided on what is no longer there: not taken
        await pilot.pause()
        assert isinstance(app.screen, DeleteDialog)
        await pilot.press("escape")
    assert configmap(sim) is not None


async def test_deleting_a_service_names_the_ingress_that_routes_to_it(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "service/")
        await pilot.press("ctrl+d")
        text = await until_text(pilot, "Delete service/my-app")
        assert "ingress/my-app routes app.mydomain.com/ to it" in text
        await pilot.press("escape")


async def test_the_picked_object_is_what_y_shows(frozen_seed: Captured) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "ingress/")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ObjectScreen), "the YAML screen")
        text = await until_text(pilot, "kind: Ingress")
        assert "not found" not in text


async def test_shell_runs_kubectl_exec_in_the_pod_under_the_cursor_and_comes_back(
    sim: RunningSim, standin: Path, handed: list[str]
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        await pilot.press("down")
        screen = app.screen
        assert isinstance(screen, StackScreen)
        pod = screen.selected_pod()
        assert pod is not None
        await pilot.press("S")
        await until(pilot, lambda: bool(recorded(standin)), "kubectl exec")
        argv = recorded(standin)[0]
        assert argv[0] == "exec" and f"--kubeconfig={sim.kubeconfig}" in argv
        assert argv[argv.index("-it") :] == [
            "-it",
            pod,
            "--container",
            "app",
            "--",
            "sh",
            "-c",
            SHELL,
        ]
        assert handed == ["suspend", "resume"]
        assert ("information", f"shell in {pod}/app ended") in app.notices
        assert app.screen is screen and screen.active_tab == "pods"
        assert screen.selected_pod() == pod


async def test_a_failed_shell_is_one_line(
    sim: RunningSim, standin: Path, handed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_EXIT", "1")
    monkeypatch.setenv("STANDIN_STDERR", "error: unable to upgrade connection: forbidden")
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        await pilot.press("S")
        await until(
            pilot,
            lambda: any(
                s == "error" and t.endswith(": error: unable to upgrade connection: forbidden")
                for s, t in app.notices
            ),
            "the reason",
        )
        assert handed == ["suspend", "resume"]


async def test_without_kubectl_edit_says_so_and_keeps_the_terminal(
    sim: RunningSim, handed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECTL_PLUGINS_CALLER")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("E")
        await until(
            pilot,
            lambda: ("error", "edit: kubectl was not found on PATH") in app.notices,
            "the one line",
        )
        assert handed == []
        await pilot.press("down")
        assert isinstance(app.screen, StacksScreen)


async def test_shell_offers_the_containers_and_respects_the_default_container(
    sim: RunningSim, standin: Path, handed: list[str], kubectl
) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "sidecar", "image": "envoy:1.30"}]},
            }
        }
    }
    done = kubectl("patch", "deployment", "my-app", "-p", json.dumps(patch))
    assert done.returncode == 0, done.stderr
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await advance(pilot, sim, 180)
        screen = app.screen
        assert isinstance(screen, StackScreen)
        await pilot.press("right")
        await until_text(pilot, "2/2")
        for _ in range(6):  # to a pod of the new template
            if "2/2" in str(app.source.get("pods", "default", screen.selected_pod() or "")):
                break
            await pilot.press("down")
        pod = screen.selected_pod()
        assert pod is not None
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the container picker")
        assert "sidecar" in screen_text(app)
        await pick(pilot, app, "sidecar")
        await until(pilot, lambda: bool(recorded(standin)), "kubectl exec")
        assert recorded(standin)[-1][-6:-4] == ["--container", "sidecar"]
        done = kubectl("annotate", "pod", pod, "kubectl.kubernetes.io/default-container=sidecar")
        assert done.returncode == 0, done.stderr
        await until(
            pilot,
            lambda: "default-container" in str(app.source.get("pods", "default", pod)),
            "the annotation in the cache",
        )
        await pilot.press("S")
        await until(pilot, lambda: len(recorded(standin)) == 2, "kubectl exec without a picker")
        assert recorded(standin)[-1][-6:-4] == ["--container", "sidecar"]


async def test_port_forward_of_the_stacks_service_is_listed_and_broken_when_kubectl_exits(
    sim: RunningSim, standin: Path
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the port picker")
        assert "service/my-app 80" in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.forwards) and app.forwards[0].local_port, "forward")
        forward = app.forwards[0]
        argv = recorded(standin)[0]
        assert argv[0] == "port-forward" and argv[-2:] == ["service/my-app", ":80"]
        await until_text(pilot, "⇄ 1 forward")
        url = f"http://127.0.0.1:{forward.local_port}/"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        assert body == b"standin forwards to 80\n"
        await pilot.press("escape", "colon", *"pf", "enter")
        await until(pilot, lambda: isinstance(app.screen, ForwardsScreen), "the forwards list")
        await until_text(pilot, "service/my-app", "✓ forwarding")
        with pytest.raises(OSError):  # the stand-in's pod dies
            await asyncio.to_thread(lambda: urllib.request.urlopen(url + "quit", timeout=5))
        text = await until_text(pilot, "✗ broken", "lost connection to pod")
        assert "1 broken" in text
        assert any(
            "port-forward service/my-app ended: error: lost connection to pod" in t
            for _, t in app.notices
        )


async def test_forwards_end_when_the_app_quits(sim: RunningSim, standin: Path) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        await pilot.press("F")
        text = await until_text(pilot, "3000")
        assert "pod/my-app-" in text
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.forwards) and app.forwards[0].local_port, "forward")
        url = f"http://127.0.0.1:{app.forwards[0].local_port}/"
        await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
    assert app.forwards[0].state == "stopped"
    with pytest.raises(OSError):
        await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=2))


async def test_command_bar_jumps_and_filters(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("colon", *"stack my", "tab")
        await until_text(pilot, "stack my-app")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("colon", *"sts", "enter")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "back to the stacks")
        text = await until_text(pilot, "StatefulSets only")
        assert "my-app" not in text.split("only", 1)[1]
        await pilot.press("colon", *"deploy", "enter")
        await until_text(pilot, "Deployments only", "my-app")
        # kubectl's other spellings of a type: singular, plural, with its group.
        await pilot.press("colon", *"daemonset.apps", "enter")
        await until_text(pilot, "DaemonSets only")
        await pilot.press("colon", *"Deployment", "enter")
        await until_text(pilot, "Deployments only", "my-app")
        await pilot.press("colon", *"frobnicate", "enter")
        await until(
            pilot,
            lambda: any("unknown command 'frobnicate'" in t for _, t in app.notices),
            "the refusal",
        )
        await pilot.press("colon", *"ctx viewer", "enter")
        await until_text(pilot, "ctx viewer")
        await pilot.press("colon", "q", "enter")
        await until(pilot, lambda: not app.is_running, "the app to quit")


async def test_command_bar_key_is_remappable(sim: RunningSim) -> None:
    settings = TEST_SETTINGS.__class__(show_clock=False, keymap={"command": "ctrl+k"})
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    app = make_app(options, settings=settings, now=sim_clock(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("ctrl+k", *"stack my-app", "enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")


async def test_logs_window_and_one_container_on_its_own(sim: RunningSim) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await stack_ready(pilot, app)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), "the logs")
        logs = app.screen
        assert isinstance(logs, LogsScreen)
        await until_text(pilot, "last 200 lines")
        await pilot.press("s")
        await pick(pilot, app, "since 5m")
        await until_text(pilot, "since 5m")
        assert (logs.since, logs.tail) == (300, None)
        await until(pilot, lambda: len(logs._pods) == 3, "lines of the 3 pods")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the picker")
        pod = logs._pods[0]
        await pilot.press(*f"{pod}/app", "enter")
        await until(
            pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen is not logs, "one pod"
        )
        single = app.screen
        assert isinstance(single, LogsScreen)
        assert (single.pod, single.container, single.since) == (pod, "app", 300)
        # The Deployment's streams go on under it.
        assert any(w.node is logs and w.group == "logs" and not w.is_finished for w in app.workers)


async def test_help_lists_every_new_key(frozen_seed: Captured) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("question_mark")
        text = await until_text(pilot, "Keys ·")
        for key, what in (
            ("E", "Edit"),
            ("o", "Object…"),
            ("^d", "Delete object"),
            ("S", "Shell"),
            ("F", "Port-forward"),
            (":", "Command"),
        ):
            assert any(key in line and what in line for line in text.splitlines()), what


async def test_rbac_forbids_edit_before_kubectl_runs(
    sim: RunningSim, standin: Path, handed: list[str]
) -> None:
    app = build_app(sim, context="viewer")
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await until(
            pilot,
            lambda: app.screen.unavailable("edit") == "forbidden: deployments patch",
            "the answer about edit",
        )
        await pilot.press("E")
        await until(
            pilot,
            lambda: ("warning", "edit: forbidden: deployments patch") in app.notices,
            "the reason",
        )
    assert recorded(standin) == [] and handed == []


async def test_deleting_a_replicaset_says_its_pods_go_and_it_comes_back(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(120, 30)) as pilot:
        await stack_ready(pilot, app)
        await pick_object(pilot, app, "replicaset/")
        await open_delete(pilot, app)
        await until_text(pilot, "Delete replicaset/my-app-")
        dialog = app.screen
        assert isinstance(dialog, DeleteDialog) and dialog.state is not None
        facts = dialog.state.facts  # what the dialog lists, whatever its wrapping
        assert "its 3 pod(s) will be deleted with it" in facts
        assert any(
            "it is the current revision (1) of deployment/my-app: it will be created" in fact
            for fact in facts
        )
        await pilot.press("escape")


async def test_from_the_stacks_list_f_forwards_the_stacks_service_and_s_asks_for_a_pod(
    sim: RunningSim, standin: Path
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the port picker")
        assert "service/my-app 80" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the list again")
        await pilot.press("S")
        await until(
            pilot,
            lambda: isinstance(app.screen, StackScreen) and app.screen.active_tab == "pods",
            "the Pods tab",
        )
        assert ("information", "choose a pod in the Pods tab, then press S") in app.notices
    assert recorded(standin) == []
