"""The ecosystem around a stack, seen through the app on the ecosystem scenarios: who manages
a workload (and what that means before acting), StatefulSets and DaemonSets as stacks, mesh
sidecars, TLS behind an Ingress, and storage behind pods."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Kubectl, kubectl_runner, ok
from textual.pilot import Pilot

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.ui.presenters import stacks as present
from kubectl_stack.ui.screens.dialogs import ConfirmDialog, ScaleDialog
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import advance, build_app, until, until_text
from .screen import screen_text

StartSim = Callable[..., RunningSim]


def _kubectl(sim: RunningSim, kubectl_path: Path, tmp_path: Path) -> Kubectl:
    return kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "kube-cache")


def _replicas(sim: RunningSim, name: str) -> int:
    dep = sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", name))
    return int(dep["spec"]["replicas"])


def _text(app: Any, selector: str) -> str:
    """The text of the widgets matching ``selector`` (whole, however the screen wraps it)."""
    return "\n".join(str(w.content) for w in app.screen.query(selector))


async def _open(pilot: Pilot[Any], name: str, kind: str = "Deployment") -> None:
    """Put the Stacks cursor on a workload's row and press enter."""
    screen = pilot.app.screen
    assert isinstance(screen, StacksScreen)
    screen.table.select_key(present.stack_key(kind, "default", name))
    await pilot.pause()
    assert screen.selected() == WorkloadRef(kind, "default", name)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), "the stack screen")


async def test_argo_managed_scale_warns_first_then_self_heal_reverts_it_live(
    scenario_sim: StartSim,
) -> None:
    sim = scenario_sim("helm-argo")
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "shop-web", "Complete")
        await _open(pilot, "shop-web")
        await until_text(pilot, "managed by Argo CD app shop (self-heal)")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        text = await until_text(pilot, "self-heal will revert")
        assert "Argo CD app `shop` manages this Deployment" in " ".join(text.split())
        assert "Helm release `shop` rev 7" in text
        await pilot.press("4", "y")
        await until(pilot, lambda: _replicas(sim, "shop-web") == 4, "spec.replicas 4")
        await advance(pilot, sim, 3, step=1)
        await until_text(pilot, "◐ Waiting")
        # Argo CD's self-heal writes the Git state back: the app shows it without a key press.
        await advance(pilot, sim, 30, step=2)
        await until(pilot, lambda: _replicas(sim, "shop-web") == 2, "the self-heal revert")
        await until_text(pilot, "successfully rolled out", "✓ Complete")


async def test_restart_and_undo_dialogs_carry_the_managers_warnings(
    scenario_sim: StartSim,
) -> None:
    sim = scenario_sim("helm-argo")
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "sts/shop-db", "Complete")
        await _open(pilot, "shop-db", "StatefulSet")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the restart dialog")
        assert "statefulset shop-db (rollout restart)?" in _text(app, "#confirm-question")
        assert _text(app, ".managed-note").startswith(
            "⚠ Argo CD app `shop` manages this StatefulSet: self-heal will revert the restart"
        )
        await pilot.press("escape")
        await pilot.press("u")
        # One revision only: kubectl's refusal, and nothing is sent.
        await until(
            pilot,
            lambda: ("warning", "no last revision to roll back to") in app.notices,
            "the undo refusal",
        )


async def test_grouped_by_application_and_flat_with_g(scenario_sim: StartSim) -> None:
    sim = scenario_sim("helm-argo")
    app = build_app(sim)
    async with app.run_test(size=(120, 24)) as pilot:
        text = await until_text(pilot, "▾ shop (part-of)", "▾ logging (Helm release)")
        lines = text.splitlines()
        shop = next(i for i, line in enumerate(lines) if "▾ shop" in line)
        members = {lines[shop + 1].split()[0], lines[shop + 2].split()[0]}
        assert members == {"sts/shop-db", "shop-web"}
        assert "2 workloads" in lines[shop]
        await pilot.press("g")
        await until(pilot, lambda: "▾" not in screen_text(app), "the flat list")
        assert "4 stacks" in screen_text(app)
        await pilot.press("g")
        await until_text(pilot, "▾ shop (part-of)")


async def test_relabelling_a_workload_moves_it_to_its_new_application_live(
    scenario_sim: StartSim, kubectl_path: Path, tmp_path: Path
) -> None:
    sim = scenario_sim("helm-argo")
    kubectl = _kubectl(sim, kubectl_path, tmp_path)
    app = build_app(sim)
    async with app.run_test(size=(120, 24)) as pilot:
        await until_text(pilot, "▾ shop (part-of)")
        ok(
            kubectl,
            "label",
            "deployment",
            "shop-web",
            "app.kubernetes.io/part-of=cart",
            "--overwrite",
        )
        text = await until_text(pilot, "▾ cart (part-of)")
        lines = text.splitlines()
        cart = next(i for i, line in enumerate(lines) if "▾ cart" in line)
        assert lines[cart + 1].split()[0] == "shop-web"
        assert "1 workload" in lines[cart]


def _rollout_line(app: Any) -> str:
    return _text(app, "#rollout").splitlines()[0]


async def test_statefulset_and_daemonset_stacks_say_what_kubectl_rollout_status_says(
    scenario_sim: StartSim, kubectl_path: Path, tmp_path: Path
) -> None:
    sim = scenario_sim("helm-argo")
    kubectl = _kubectl(sim, kubectl_path, tmp_path)
    app = build_app(sim)
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "sts/shop-db", "ds/log-agent")
        for resource, image in (
            ("statefulset/shop-db", "postgres=postgres:16.5"),
            ("daemonset/log-agent", "fluent-bit=cr.fluentbit.io/fluent/fluent-bit:3.2.0"),
        ):
            ok(kubectl, "set", "image", resource, image)
        # The rollouts one and three seconds in, then done: checked at each of the three.
        for step in (1, 2, 60):
            await advance(pilot, sim, step, step=min(step, 5))
            for row, kind in (("shop-db", "StatefulSet"), ("log-agent", "DaemonSet")):
                if not isinstance(app.screen, StacksScreen):
                    await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the list")
                await _open(pilot, row, kind)
                kind = kind.lower()
                done = kubectl("rollout", "status", f"{kind}/{row}", "--watch=false")
                expected = done.stdout.strip() or done.stderr.strip()
                await until(
                    pilot, lambda e=expected: _rollout_line(app) == e, f"{row}: {expected!r}"
                )
        assert "rev 2" in screen_text(app)


async def test_mesh_pods_read_app_ready_sidecar_not(scenario_sim: StartSim) -> None:
    sim = scenario_sim("mesh")
    app = build_app(sim)
    async with app.run_test(size=(160, 30)) as pilot:
        await until_text(pilot, "payments", "checkout")
        await _open(pilot, "payments")
        await pilot.press("right")
        # One verdict per row: the sidecar that holds the pod, by name, and the app's state.
        text = await until_text(pilot, "✗ istio-proxy 503", "; app ready")
        pod_lines = [line for line in text.splitlines() if "Running" in line]
        assert pod_lines and all(re.search(r"\s1/2\s", line) for line in pod_lines)
        assert all("✗ istio-proxy 503" in line and "✓" not in line for line in pod_lines)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the list")
        await _open(pilot, "checkout")
        await pilot.press("right")
        text = await until_text(pilot, "✓ ready")
        pod_lines = [line for line in text.splitlines() if "Running" in line]
        assert pod_lines and all(re.search(r"\s2/2\s.*✓ ready", line) for line in pod_lines)


def _tls_secret(kubectl: Callable[..., Any], tmp_path: Path) -> str:
    import trustme

    cert = trustme.CA().issue_cert("app.mydomain.com")
    crt, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert.cert_chain_pems[0].write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    return ok(
        kubectl,
        "create",
        "secret",
        "tls",
        "my-app-tls",
        f"--cert={crt}",
        f"--key={key}",
        "--dry-run=client",
        "-o",
        "json",
    )


async def test_tls_findings_appear_and_clear_when_the_secret_is_created_with_kubectl(
    scenario_sim: StartSim, kubectl_path: Path, tmp_path: Path
) -> None:
    sim = scenario_sim("tls")
    kubectl = _kubectl(sim, kubectl_path, tmp_path)
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await until_text(pilot, "TLS secret my-app-tls not found")
        flat = _text(app, "#traffic")
        assert "(Certificate my-app-tls not Ready: DoesNotExist" in flat
        assert re.search(r"⚠ Certificate api-tls expires in 9d", flat)
        # One finding per problem: the stack's own TLS check does not repeat it.
        assert flat.count("TLS secret my-app-tls not found") == 1
        # `kubectl create secret tls` posts protobuf; the same Secret goes through apply.
        ok(kubectl, "apply", "-f", "-", input=_tls_secret(kubectl, tmp_path))
        await advance(pilot, sim, 2, step=1)
        await until(
            pilot, lambda: "my-app-tls not found" not in screen_text(app), "the finding to clear"
        )
        assert "Certificate api-tls expires in" in _text(app, "#traffic")


_CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "data"},
    "spec": {
        "storageClassName": "fast",
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
    },
}
_DB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "db"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "db"}},
        "template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {
                "containers": [{"name": "db", "image": "db:1"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            },
        },
    },
}
_FAST = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "fast"},
    "provisioner": "rancher.io/local-path",
}


async def test_pvc_pending_finding_appears_and_clears_when_its_class_is_created(
    sim: RunningSim, kubectl_path: Path, tmp_path: Path
) -> None:
    kubectl = _kubectl(sim, kubectl_path, tmp_path)
    ok(
        kubectl,
        "apply",
        "-f",
        "-",
        input=json.dumps({"kind": "List", "apiVersion": "v1", "items": [_CLAIM, _DB]}),
    )
    app = build_app(sim)
    async with app.run_test(size=(160, 30)) as pilot:
        await until_text(pilot, "db", "my-app")
        await _open(pilot, "db")
        await advance(pilot, sim, 3, step=1)  # the controllers create its pod
        await pilot.press("right")
        await until_text(pilot, "Pending", "waiting for PVC data (Pending)")
        await pilot.press("right", "right")
        await until_text(pilot, "PVC data is Pending")
        ok(kubectl, "apply", "-f", "-", input=json.dumps(_FAST))
        await advance(pilot, sim, 5, step=1)
        await until(
            pilot, lambda: "PVC data is Pending" not in screen_text(app), "the finding to clear"
        )
        await until_text(pilot, "pvc/data  volume data  Bound")
