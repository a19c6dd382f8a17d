"""Writes through real kubectl: create/apply of the seed stack, set image, scale, rollout
status/history/undo/restart/pause/resume, label/annotate, delete with self-healing."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from kubectl_stack_sim.runner import RunningSim

from .helpers import ok, table

SEED = Path(__file__).resolve().parents[2] / "kubectl_stack_sim" / "scenarios" / "seed-stack.yaml"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh\n"


def _image(kubectl: Any) -> str:
    return ok(
        kubectl(
            "get", "deploy", "my-app", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
        )
    )


def test_create_then_apply_of_the_seed_stack(kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=NAMESPACE))
    created = ok(kubectl("create", "-f", str(SEED), "-n", "fresh"))
    assert created.splitlines() == [
        "configmap/app-config created",
        "secret/app-secrets created",
        "deployment.apps/my-app created",
        "service/my-app created",
        "ingress.networking.k8s.io/my-app created",
        "horizontalpodautoscaler.autoscaling/my-app created",
    ]
    again = kubectl("create", "-f", str(SEED), "-n", "fresh")
    assert again.returncode == 1
    assert 'Error from server (AlreadyExists): error when creating "' in again.stderr
    assert 'deployments.apps "my-app" already exists' in again.stderr
    applied = ok(kubectl("apply", "-f", str(SEED), "-n", "fresh"))
    assert "deployment.apps/my-app configured" in applied  # adds last-applied-configuration
    assert "configmap/app-config configured" in applied
    assert "unchanged" in ok(kubectl("apply", "-f", str(SEED), "-n", "fresh"))


def test_apply_changes_only_what_the_manifest_changed(kubectl: Any) -> None:
    ok(kubectl("apply", "-f", str(SEED)))
    ok(kubectl("label", "deploy", "my-app", "team=web"))
    changed = SEED.read_text().replace("my-app:1.4.2", "my-app:1.5.0")
    out = ok(kubectl("apply", "-f", "-", input=changed))
    assert "deployment.apps/my-app configured" in out
    assert "service/my-app unchanged" in out
    assert _image(kubectl) == "my-app:1.5.0"
    assert ok(kubectl("get", "deploy", "my-app", "-o", "jsonpath={.metadata.labels.team}")) == "web"


def test_label_and_annotate_change_metadata(kubectl: Any) -> None:
    assert (
        ok(kubectl("label", "deploy", "my-app", "tier=web")) == "deployment.apps/my-app labeled\n"
    )
    assert (
        ok(kubectl("annotate", "deploy", "my-app", "owner=team-a"))
        == "deployment.apps/my-app annotated\n"
    )
    labels = table(ok(kubectl("get", "deploy", "--show-labels")))[0]["LABELS"]
    assert labels == "tier=web"
    ok(kubectl("label", "deploy", "my-app", "tier-"))
    assert table(ok(kubectl("get", "deploy", "--show-labels")))[0]["LABELS"] == "<none>"


def test_set_image_rolls_out_and_history_undo_restore_it(sim: RunningSim, kubectl: Any) -> None:
    assert (
        ok(kubectl("set", "image", "deploy/my-app", "app=my-app:2.0.0"))
        == "deployment.apps/my-app image updated\n"
    )
    sim.advance(120)
    status = ok(kubectl("rollout", "status", "deploy/my-app", "--timeout=5s"))
    assert status.strip().endswith('deployment "my-app" successfully rolled out')
    history = ok(kubectl("rollout", "history", "deploy/my-app"))
    assert history.splitlines()[:4] == [
        "deployment.apps/my-app ",
        "REVISION  CHANGE-CAUSE",
        "1         <none>",
        "2         <none>",
    ]
    assert ok(kubectl("rollout", "undo", "deploy/my-app")) == "deployment.apps/my-app rolled back\n"
    assert _image(kubectl) == "my-app:1.4.2"
    sim.advance(120)
    ok(kubectl("rollout", "undo", "deploy/my-app", "--to-revision=2"))
    assert _image(kubectl) == "my-app:2.0.0"
    sim.advance(1)
    revisions = [
        line.split()[0]
        for line in ok(kubectl("rollout", "history", "deploy/my-app")).splitlines()[2:]
        if line.strip()
    ]
    assert revisions == ["3", "4"]


def test_rollout_status_waits_until_the_new_pods_are_available(
    sim: RunningSim, kubectl_path: Path, kubectl: Any, tmp_path: Path
) -> None:
    ok(kubectl("set", "image", "deploy/my-app", "app=my-app:3.0.0"))
    env = {"KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [str(kubectl_path), "rollout", "status", "deploy/my-app", "--timeout=20s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)  # kubectl is watching the Deployment now
        assert proc.poll() is None
        for _ in range(24):
            sim.advance(5)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert 'Waiting for deployment "my-app" rollout to finish' in out
    assert out.strip().endswith('deployment "my-app" successfully rolled out')


def test_restart_pause_and_resume(sim: RunningSim, kubectl: Any) -> None:
    assert (
        ok(kubectl("rollout", "restart", "deploy/my-app")) == "deployment.apps/my-app restarted\n"
    )
    annotations = json.loads(
        ok(
            kubectl(
                "get", "deploy", "my-app", "-o", "jsonpath={.spec.template.metadata.annotations}"
            )
        )
    )
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    assert ok(kubectl("rollout", "pause", "deploy/my-app")) == "deployment.apps/my-app paused\n"
    assert ok(kubectl("get", "deploy", "my-app", "-o", "jsonpath={.spec.paused}")) == "true"
    again = kubectl("rollout", "pause", "deploy/my-app")
    assert again.returncode == 1 and "is already paused" in again.stderr
    assert ok(kubectl("rollout", "resume", "deploy/my-app")) == "deployment.apps/my-app resumed\n"


def test_scale_and_current_replicas_precondition(sim: RunningSim, kubectl: Any) -> None:
    assert (
        ok(kubectl("scale", "deploy/my-app", "--replicas=5")) == "deployment.apps/my-app scaled\n"
    )
    # (The HPA would scale it back after its next sync; the clock stands still here.)
    assert ok(kubectl("get", "deploy", "my-app", "-o", "jsonpath={.spec.replicas}")) == "5"
    refused = kubectl("scale", "deploy/my-app", "--current-replicas=3", "--replicas=4")
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: Expected replicas to be 3, was 5"
    ok(kubectl("scale", "deploy/my-app", "--current-replicas=5", "--replicas=4"))
    assert ok(kubectl("get", "deploy", "my-app", "-o", "jsonpath={.spec.replicas}")) == "4"


def test_deleted_pod_terminates_and_is_replaced(sim: RunningSim, kubectl: Any) -> None:
    victim = table(ok(kubectl("get", "pods")))[0]["NAME"]
    out = ok(kubectl("delete", "pod", victim, "--wait=false"))
    assert out == f'pod "{victim}" deleted from default namespace\n'
    rows = {r["NAME"]: r for r in table(ok(kubectl("get", "pods")))}
    assert rows[victim]["STATUS"] == "Terminating"
    sim.advance(60)
    rows = {r["NAME"]: r for r in table(ok(kubectl("get", "pods")))}
    assert victim not in rows
    assert len(rows) == 3 and all(r["STATUS"] == "Running" for r in rows.values())


def test_force_delete_removes_the_pod_at_once(kubectl: Any) -> None:
    victim = table(ok(kubectl("get", "pods")))[0]["NAME"]
    out = kubectl("delete", "pod", victim, "--grace-period=0", "--force")
    assert out.returncode == 0, out.stderr
    assert victim not in ok(kubectl("get", "pods", "-o", "name"))


def test_top_pods_and_nodes(kubectl: Any) -> None:
    pods = table(ok(kubectl("top", "pods")))
    assert len(pods) == 3
    assert all(r["CPU(cores)"].endswith("m") and r["MEMORY(bytes)"].endswith("Mi") for r in pods)
    nodes = table(ok(kubectl("top", "nodes")))
    assert {r["NAME"] for r in nodes} == {"node-1", "node-2", "node-3"}
    assert all(r["CPU(%)"].endswith("%") for r in nodes)


def test_describe_pod_deployment_hpa_service(kubectl: Any) -> None:
    pod = table(ok(kubectl("get", "pods")))[0]["NAME"]
    described = ok(kubectl("describe", "pod", pod))
    assert f"Name:             {pod}" in described
    assert "Status:           Running" in described
    assert (
        "Readiness:  http-get http://:3000/health delay=5s timeout=1s period=10s "
        "successThreshold=1 failureThreshold=3" in described
    )
    assert "Controlled By:  ReplicaSet/my-app-" in described
    deploy = ok(kubectl("describe", "deploy", "my-app"))
    assert (
        "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable"
        in deploy
    )
    assert "NewReplicaSet:   my-app-" in deploy
    hpa = ok(kubectl("describe", "hpa", "my-app"))
    assert re.search(r"^Reference: +Deployment/my-app$", hpa, re.M)
    assert re.search(
        r"resource cpu on pods  \(as a percentage of request\): +\d+% \(\d+m\) / 70%", hpa
    )
    assert "Deployment pods:       3 current / 3 desired" in hpa
    svc = ok(kubectl("describe", "svc", "my-app"))
    assert re.search(r"^Endpoints: +(10\.244\.\d+\.\d+:3000,?){3}$", svc, re.M)


def test_typed_creates_sent_as_protobuf(kubectl: Any) -> None:
    assert ok(kubectl("create", "namespace", "team-a")) == "namespace/team-a created\n"
    assert ok(kubectl("create", "configmap", "settings", "-n", "team-a", "--from-literal=a=1")) == (
        "configmap/settings created\n"
    )
    assert ok(
        kubectl("create", "secret", "generic", "token", "-n", "team-a", "--from-literal=t=x")
    ) == ("secret/token created\n")
    ok(kubectl("create", "deployment", "web", "-n", "team-a", "--image=nginx:1.27", "--replicas=2"))
    deploy = json.loads(ok(kubectl("get", "deploy", "web", "-n", "team-a", "-o", "json")))
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "minReadySeconds" not in deploy["spec"]
    assert (
        ok(kubectl("get", "secret", "token", "-n", "team-a", "-o", "jsonpath={.data.t}")) == "eA=="
    )


def test_server_side_apply_creates_then_updates(kubectl: Any) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: '{value}'\n"
    assert ok(kubectl("apply", "--server-side", "-f", "-", input=manifest.format(value=1))) == (
        "configmap/ssa serverside-applied\n"
    )
    ok(kubectl("apply", "--server-side", "-f", "-", input=manifest.format(value=2)))
    assert ok(kubectl("get", "cm", "ssa", "-o", "jsonpath={.data.a}")) == "2"


def test_server_dry_run_and_diff_change_nothing(kubectl: Any) -> None:
    changed = SEED.read_text().replace("my-app:1.4.2", "my-app:7.0.0")
    diff = kubectl("diff", "-f", "-", input=changed)
    assert diff.returncode == 1, diff.stderr  # 1: differences found
    assert "-        image: my-app:1.4.2\n+        image: my-app:7.0.0" in diff.stdout
    out = ok(kubectl("apply", "--dry-run=server", "-f", "-", input=changed))
    assert "deployment.apps/my-app configured (server dry run)" in out
    deleted = ok(kubectl("delete", "pods", "--all", "--dry-run=server"))
    assert deleted.count("(server dry run)") == 3
    assert ok(kubectl("create", "namespace", "ghost", "--dry-run=server")) == (
        "namespace/ghost created (server dry run)\n"
    )
    assert _image(kubectl) == "my-app:1.4.2"
    assert [r["STATUS"] for r in table(ok(kubectl("get", "pods")))] == ["Running"] * 3
    assert kubectl("get", "namespace", "ghost").returncode == 1
