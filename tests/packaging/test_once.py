"""`kubectl stack --once`: the stacks table as plain text, or one error line."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from restricted import AGENT_OPS

from kubectl_stack.cli import parse
from kubectl_stack.once import run_once
from kubectl_stack.ui.glyphs import GLYPHS
from kubectl_stack_sim.runner import RunningSim, start_sim
from kubectl_stack_sim.scenario import available

from .conftest import KUBECTL, REPO, refused_url, run
from .test_plugin import imported_modules, plugin_env

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


def once(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_once(parse(["--once", *args]), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def table(text: str) -> list[list[str]]:
    # Columns are separated by at least three spaces; cells hold single spaces at most.
    return [[c.strip() for c in line.split("   ") if c.strip()] for line in text.splitlines()]


def test_once_prints_one_row_per_deployment_with_kubectl_columns(sim: RunningSim) -> None:
    code, out, err = once("--kubeconfig", str(sim.kubeconfig))
    assert (code, err) == (0, "")
    rows = table(out)
    assert rows[0] == [
        "NAME",
        "ROLLOUT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "PODS",
        "HPA",
        "AGE",
    ]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["my-app"][2:5] == ["3/3", "3", "3"]


def test_once_shows_a_deployment_created_with_kubectl(sim: RunningSim, kubectl: Kubectl) -> None:
    created = kubectl("create", "-f", "-", input=WEB)
    assert created.returncode == 0, created.stderr
    code, out, _ = once("--kubeconfig", str(sim.kubeconfig))
    assert code == 0
    web = next(r for r in table(out)[1:] if r[0] == "web")
    assert web[2].endswith("/2")


def test_once_all_namespaces_adds_the_namespace_column(sim: RunningSim) -> None:
    code, out, _ = once("--kubeconfig", str(sim.kubeconfig), "-A")
    assert code == 0
    rows = table(out)
    assert rows[0][:2] == ["NAMESPACE", "NAME"]
    assert ["default", "my-app"] in [r[:2] for r in rows[1:]]


def test_once_for_an_empty_namespace_says_so_as_kubectl(sim: RunningSim) -> None:
    assert once("--kubeconfig", str(sim.kubeconfig), "-n", "empty") == (
        0,
        "",
        "No resources found in empty namespace.\n",
    )


def test_once_for_a_missing_stack_is_kubectls_not_found(sim: RunningSim) -> None:
    code, out, err = once("--kubeconfig", str(sim.kubeconfig), "nope")
    assert (code, out) == (1, "")
    assert err == 'error: deployments.apps "nope" not found\n'


def test_once_unreachable_cluster_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    url = refused_url()
    code, out, err = once("--server", url)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(f"error: The connection to the server {url[7:]} was refused")


def test_once_bad_kubeconfig_is_one_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "config"
    bad.write_text("apiVersion: v1\nkind: Config\nclusters: [\n")
    code, out, err = once("--kubeconfig", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_once_runs_without_textual(sim: RunningSim, tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-X", "importtime", "-m", "kubectl_stack", "--once"]
        + ["--kubeconfig", str(sim.kubeconfig)],
        {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "my-app" in result.stdout
    assert "textual" not in imported_modules(result.stderr)
    assert "aiohttp" in imported_modules(result.stderr)  # the measurement is real


def test_once_selector_keeps_the_deployments_the_server_selects(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    assert kubectl("create", "-f", "-", input=WEB).returncode == 0
    code, out, _ = once("--kubeconfig", str(sim.kubeconfig), "-l", "app=web")
    assert code == 0
    assert [r[0] for r in table(out)[1:]] == ["web"]


HELM = "app.kubernetes.io/managed-by=Helm"


def test_installed_once_selector_keeps_every_workload_kind_it_selects(tmp_path: Path) -> None:
    # helm-argo: Deployments shop-web and billing, StatefulSet shop-db, DaemonSet log-agent;
    # all but billing are Helm's. The stacks list with -l keeps the three, whatever their kind.
    command = Path(sys.executable).parent / "kubectl-stack"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = run([str(command), "--once", "--demo", "helm-argo", "-l", HELM], env)
    assert (result.returncode, result.stderr) == (0, "")
    assert [r[0] for r in table(result.stdout)[1:]] == ["ds/log-agent", "sts/shop-db", "shop-web"]


@pytest.mark.parametrize("selector", [HELM, "app.kubernetes.io/instance=shop", "app=billing"])
def test_once_selector_keeps_what_kubectl_gets_with_it(
    selector: str, kubectl_for: Callable[[Path], Kubectl]
) -> None:
    running = start_sim("helm-argo")
    try:
        got = kubectl_for(running.kubeconfig)(
            "get", "deployments,statefulsets,daemonsets", "-l", selector, "-o", "name"
        )
        code, out, err = once("--kubeconfig", str(running.kubeconfig), "-l", selector)
    finally:
        running.stop()
    assert got.returncode == 0, got.stderr
    assert (code, err) == (0, "")
    # kubectl -o name: deployment.apps/shop-web; --once: shop-web, sts/shop-db, ds/log-agent.
    short = {"deployment.apps": "", "statefulset.apps": "sts/", "daemonset.apps": "ds/"}
    selected = (line.partition("/") for line in got.stdout.split())
    assert sorted(r[0] for r in table(out)[1:]) == sorted(short[k] + n for k, _, n in selected)


def test_once_bad_selector_is_the_servers_error_in_one_line(sim: RunningSim) -> None:
    code, out, err = once("--kubeconfig", str(sim.kubeconfig), "-l", "app in (a")
    assert (code, out) == (1, "")
    assert err.startswith("error: Error from server (BadRequest): ")
    assert err.count("\n") == 1


def test_once_demo_prints_the_scenarios_converged_stacks() -> None:
    code, out, err = once("--demo")
    assert (code, err) == (0, "")
    assert "my-app" in [r[0] for r in table(out)[1:]]


def test_once_demo_unknown_scenario_is_one_error_line() -> None:
    code, out, err = once("--demo", "no-such-scenario")
    assert (code, out) == (1, "")
    assert err.startswith("error: unknown scenario 'no-such-scenario'")
    assert err.count("\n") == 1


HOSTILE_HPA = """
{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
 "metadata": {"name": "web"},
 "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
          "minReplicas": 1, "maxReplicas": 3,
          "metrics": [{"type": "Resource", "resource": {
              "name": "q\\u001b]0;pwned\\u0007[link=https://x/]l[/link]\\u009b2J",
              "target": {"type": "Utilization", "averageUtilization": 50}}}]}}
"""


def test_once_prints_no_control_byte_from_cluster_strings(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    # An HPA's resource name is printed in its TARGETS (as kubectl does); the API server
    # takes any string there.
    assert kubectl("create", "-f", "-", input=WEB).returncode == 0
    created = kubectl("create", "-f", "-", input=HOSTILE_HPA)
    assert created.returncode == 0, created.stderr
    sim.advance(30)
    code, out, err = once("--kubeconfig", str(sim.kubeconfig))
    assert (code, err) == (0, "")
    assert "q\\e]0;pwned\\a[link=https://x/]l[/link]\\x9B2J" in out
    assert not [ch for ch in out if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]


def test_once_error_lines_carry_no_control_byte(sim: RunningSim) -> None:
    code, out, err = once("--kubeconfig", str(sim.kubeconfig), "web\x1b]0;pwned\x07")
    assert (code, out) == (1, "")
    assert err == 'error: deployments.apps "web\\e]0;pwned\\a" not found\n'


SCENARIOS = available()
UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
C_LOCALE = {"LANG": "C", "LC_ALL": "C"}


def installed_once(tmp_path: Path, scenario: str, locale: dict[str, str]) -> bytes:
    """What ``kubectl stack --once --demo SCENARIO -A`` writes, as bytes, run by real kubectl
    in ``locale``."""
    home = tmp_path / locale["LANG"]
    home.mkdir()
    env = {**plugin_env(home), **locale}
    args = [str(KUBECTL), "stack", "--once", "--demo", scenario, "-A"]
    result = subprocess.run(args, env=env, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout + result.stderr


def _cells(text: str) -> list[list[str]]:
    # Ages and live figures move between two runs; the words around them do not.
    return [[re.sub(r"[0-9]+", "N", cell) for cell in row] for row in table(text)]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_once_in_a_c_locale_prints_only_ascii_in_the_apps_words(
    scenario: str, tmp_path: Path
) -> None:
    """``LANG=C LC_ALL=C`` (the jump host): not one byte above 0x7F, and every cell is the
    UTF-8 table's cell as the app's ASCII mode words it (``✓3`` ``ok3``, ``3→3`` ``3->3``)."""
    plain = installed_once(tmp_path, scenario, C_LOCALE)
    assert not [b for b in plain if b > 0x7F], plain.decode(errors="replace")
    utf8 = installed_once(tmp_path, scenario, UTF8).decode()
    GLYPHS.select(True)
    try:
        expected = [[GLYPHS.text(cell) for cell in row] for row in _cells(utf8)]
    finally:
        GLYPHS.select(False)
    assert _cells(plain.decode()) == expected
    if scenario == "seed":
        assert "✓3" in utf8 and "3→3" in utf8  # a UTF-8 locale keeps the symbols
        assert re.search(r" ok3 .* cpu: \d+%/70% 3->3 ", plain.decode())
    if scenario == "crashloop":
        assert "⟳1" in utf8
        assert re.search(r"worker .* R1 +- ", plain.decode())


def test_once_ascii_flag_and_config_key_print_ascii_under_utf8(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = once("--kubeconfig", str(sim.kubeconfig))
    assert code == 0 and "✓3" in out
    code, flagged, _ = once("--kubeconfig", str(sim.kubeconfig), "--ascii")
    assert code == 0 and flagged.isascii() and " ok3 " in flagged
    monkeypatch.setenv("KUBECTL_STACK_ASCII", "true")
    code, configured, _ = once("--kubeconfig", str(sim.kubeconfig))
    assert code == 0 and configured.isascii() and " ok3 " in configured


def test_once_with_a_wrong_token_says_what_kubectl_says(
    kubectl_for: Callable[[Path], Kubectl],
) -> None:
    with start_sim("empty", tls=True) as secured:
        # The app's first request is /version: kubectl's answer to that same request (its
        # discovery of `get ns` words the 401 as "the server has asked for ... credentials").
        kubectl = kubectl_for(secured.kubeconfig)
        denied = kubectl("--token", "wrong", "get", "--raw", "/version")
        code, out, err = once("--kubeconfig", str(secured.kubeconfig), "--token", "wrong")
    assert denied.returncode == 1 and code == 1 and out == ""
    # kubectl: "error: You must be logged in to the server (Unauthorized)"; --once said
    # "error: " twice.
    assert err == denied.stderr


@pytest.fixture
def helm_argo() -> Iterator[RunningSim]:
    """helm-argo: Deployments shop-web and billing, StatefulSet shop-db, DaemonSet log-agent."""
    running = start_sim("helm-argo")
    try:
        yield running
    finally:
        running.stop()


# kubectl -o name's kind -> how the --once table names that kind's workloads.
SHOWN_AS = {"deployment.apps": "", "statefulset.apps": "sts/", "daemonset.apps": "ds/"}

SPELLINGS = [
    *("deployment/shop-web", "deploy/shop-web", "deployments/shop-web", "Deployment/shop-web"),
    *("DEPLOYMENT/shop-web", "Deploy/shop-web", "DEPLOY/shop-web", "deployment.apps/shop-web"),
    *("deploy.apps/shop-web", "deployments.v1.apps/shop-web", "Deployment.v1.apps/shop-web"),
    *("deployment.extensions/shop-web", "deployments.apps.v1/shop-web", "deployment./shop-web"),
    *("deployment.v1./shop-web", "deployments..apps/shop-web", "Deploy.apps/shop-web"),
    *("sts/shop-db", "statefulset/shop-db", "statefulSet/shop-db", "statefulsets/shop-db"),
    *("statefulset.apps/shop-db", "sts.apps/shop-db", "StatefulSet/shop-db", "Sts/shop-db"),
    *("ds/log-agent", "daemonset/log-agent", "daemonsets.apps/log-agent", "DaemonSet/log-agent"),
    *("deployment/", "/shop-web", "deployment/a/b", "deploy//shop-web", "daemonset/shop-db"),
]


def test_once_stack_takes_the_type_name_spellings_kubectl_takes(
    helm_argo: RunningSim, kubectl_for: Callable[[Path], Kubectl]
) -> None:
    # Each TYPE/NAME: accepted exactly when kubectl get accepts it, for the object kubectl
    # names; refused in one error line (kubectl's own where the form is malformed).
    kubectl = kubectl_for(helm_argo.kubeconfig)
    for spelling in SPELLINGS:
        theirs = kubectl("get", spelling, "-o", "name")
        code, out, err = once("--kubeconfig", str(helm_argo.kubeconfig), spelling)
        assert (code == 0) == (theirs.returncode == 0), (spelling, err, theirs.stderr)
        if code == 0:
            kind, _, name = theirs.stdout.strip().partition("/")
            assert [r[0] for r in table(out)[1:]] == [SHOWN_AS[kind] + name], spelling
            continue
        assert (out, err.count("\n")) == ("", 1), spelling
        if "resource/name form" in theirs.stderr:
            assert err == theirs.stderr, spelling
        elif "not found" in theirs.stderr:  # the server's words after kubectl's reason
            assert theirs.stderr.endswith(err.removeprefix("error: ")), (spelling, err)


def test_once_prints_a_statefulsets_counts_as_kubectl_prints_them(
    helm_argo: RunningSim, kubectl_for: Callable[[Path], Kubectl]
) -> None:
    kubectl = kubectl_for(helm_argo.kubeconfig)
    code, out, err = once("--kubeconfig", str(helm_argo.kubeconfig), "statefulset/shop-db")
    assert (code, err) == (0, "")
    (header, row) = table(out)
    shown = dict(zip(header, row, strict=True))
    # kubectl get sts prints READY; UP-TO-DATE and AVAILABLE are the status fields kubectl
    # reads back for them (it has no column for them on a StatefulSet).
    got = kubectl("get", "sts", "shop-db")
    assert got.returncode == 0, got.stderr
    theirs = dict(zip(*(line.split() for line in got.stdout.splitlines()), strict=True))
    counts = kubectl(
        "get",
        "sts",
        "shop-db",
        "-o",
        "jsonpath={.status.updatedReplicas} {.status.availableReplicas}",
    ).stdout.split()
    assert shown["NAME"] == "sts/shop-db"
    assert [shown["READY"], shown["UP-TO-DATE"], shown["AVAILABLE"]] == [theirs["READY"], *counts]
    assert shown["PODS"] == f"✓{counts[1]}"


SHOP_DB_DEPLOYMENT = WEB.replace("name: web,", "name: shop-db,")


def test_once_a_name_two_kinds_share_is_refused_naming_both(
    helm_argo: RunningSim, kubectl_for: Callable[[Path], Kubectl]
) -> None:
    kubectl = kubectl_for(helm_argo.kubeconfig)
    created = kubectl("create", "-f", "-", input=SHOP_DB_DEPLOYMENT)
    assert created.returncode == 0, created.stderr
    kubeconfig = str(helm_argo.kubeconfig)
    assert once("--kubeconfig", kubeconfig, "shop-db") == (
        1,
        "",
        'error: "shop-db" names more than one workload: deployment/shop-db, statefulset/shop-db'
        " (say which, as TYPE/NAME)\n",
    )
    for spelling, shown in (("sts/shop-db", "sts/shop-db"), ("deploy/shop-db", "shop-db")):
        code, out, err = once("--kubeconfig", kubeconfig, spelling)
        assert (code, err) == (0, "")
        assert [r[0] for r in table(out)[1:]] == [shown]


def test_installed_once_refuses_a_non_workload_or_malformed_stack_without_a_traceback(
    tmp_path: Path,
) -> None:
    command = Path(sys.executable).parent / "kubectl-stack"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    for stack, words in (
        ("pod/shop-db", '"pod" is not a workload kind'),
        ("sts/shop-db/x", "may not have more than one slash"),
    ):
        result = run([str(command), "--once", "--demo", "helm-argo", stack], env)
        assert (result.returncode, result.stdout) == (1, ""), result.stderr
        assert result.stderr.startswith("error: ") and words in result.stderr
        assert result.stderr.count("\n") == 1


def test_once_prints_the_kinds_a_user_may_list_and_fails_for_the_others_as_kubectl(
    helm_argo: RunningSim, kubectl_for: Callable[[Path], Kubectl]
) -> None:
    # agent-ops may list DaemonSets only: the table has log-agent, and the Deployments' and
    # StatefulSets' refusals follow on stderr, with kubectl get's exit status for the same.
    kubectl = kubectl_for(helm_argo.kubeconfig)
    assert kubectl("create", "-f", "-", input=AGENT_OPS).returncode == 0
    got = kubectl("get", "deployments,statefulsets,daemonsets", "-o", "name", "--as", "agent-ops")
    assert got.stdout.split() == ["daemonset.apps/log-agent"]
    as_ops = ("--kubeconfig", str(helm_argo.kubeconfig), "--as", "agent-ops")
    code, out, err = once(*as_ops)
    assert code == got.returncode == 1
    assert [r[0] for r in table(out)[1:]] == ["ds/log-agent"]
    theirs = [line.partition(": ")[2] for line in got.stderr.splitlines()]
    assert [line.removeprefix("error: ") for line in err.splitlines()] == theirs
    assert len(theirs) == 2
    # One kind asked for: only its own refusal matters.
    code, out, err = once(
        "--kubeconfig", str(helm_argo.kubeconfig), "--as", "agent-ops", "ds/log-agent"
    )
    assert (code, err) == (0, "")
    assert [r[0] for r in table(out)[1:]] == ["ds/log-agent"]
    code, out, err = once(
        "--kubeconfig", str(helm_argo.kubeconfig), "--as", "agent-ops", "sts/shop-db"
    )
    assert (code, out) == (1, "")
    assert err == f"error: {theirs[1]}\n"
