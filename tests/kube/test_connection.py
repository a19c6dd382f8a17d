"""Connecting over HTTPS as kubectl would: CAs, client certificates, tokens, exec plugins."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from aiohttp import web

from kubectl_stack.kube.connection import (
    ApiError,
    ConfigurationError,
    TLSFailure,
    Unauthorized,
    Unreachable,
    connect,
)
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.kinds import PODS, SECRETS
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.options import ConnectionOptions
from kubectl_stack_sim.runner import RunningSim

from .conftest import options_for, wait_until


def sim_doc(sim: RunningSim) -> dict[str, Any]:
    return dict(yaml.safe_load(Path(sim.kubeconfig).read_text()))


def cluster_of(sim: RunningSim) -> dict[str, Any]:
    return dict(sim_doc(sim)["clusters"][0]["cluster"])


def client_cert_of(sim: RunningSim) -> tuple[str, str]:
    for user in sim_doc(sim)["users"]:
        if "client-certificate" in user["user"]:
            return user["user"]["client-certificate"], user["user"]["client-key"]
    raise AssertionError("the TLS sim's kubeconfig has a client-certificate user")


def write_kubeconfig(
    path: Path, cluster: dict[str, Any], user: dict[str, Any], name: str = "c"
) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": cluster}],
                "users": [{"name": name, "user": user}],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
            }
        )
    )
    return path


def b64(path: str) -> str:
    return base64.b64encode(Path(path).read_bytes()).decode()


async def check_lists_pods(options: ConnectionOptions) -> None:
    connection = await connect(options)
    try:
        pods = await connection.get_json(PODS.path("default"))
        assert pods["items"]
    finally:
        await connection.close()


async def test_ca_from_kubeconfig_verifies_the_server(tls_sim: RunningSim) -> None:
    await check_lists_pods(options_for(tls_sim))


async def test_unknown_ca_fails_verification_in_one_line(
    tls_sim: RunningSim, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with pytest.raises(TLSFailure) as err:
        await connect(options_for(tls_sim, certificate_authority=str(other)))
    assert err.value.message.startswith("Unable to connect to the server: tls: failed to verify")
    assert "\n" not in err.value.message


async def test_insecure_skip_tls_verify_ignores_the_ca(tls_sim: RunningSim, tmp_path: Path) -> None:
    cluster = cluster_of(tls_sim)
    cluster.pop("certificate-authority")
    cluster["insecure-skip-tls-verify"] = True
    config = write_kubeconfig(tmp_path / "kc", cluster, {"token": "admin-token"})
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))
    # And the flag overrides a kubeconfig CA that would not verify.
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    cluster = {**cluster_of(tls_sim), "certificate-authority": str(other)}
    config = write_kubeconfig(tmp_path / "kc2", cluster, {"token": "admin-token"})
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config), insecure_skip_tls_verify=True))


async def test_client_certificate_authenticates(tls_sim: RunningSim, tmp_path: Path) -> None:
    cert, key = client_cert_of(tls_sim)
    config = write_kubeconfig(
        tmp_path / "kc", cluster_of(tls_sim), {"client-certificate": cert, "client-key": key}
    )
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))


async def test_k3s_style_embedded_certificates(tls_sim: RunningSim, tmp_path: Path) -> None:
    cert, key = client_cert_of(tls_sim)
    cluster = cluster_of(tls_sim)
    cluster = {
        "server": cluster["server"],
        "certificate-authority-data": b64(cluster["certificate-authority"]),
    }
    user = {"client-certificate-data": b64(cert), "client-key-data": b64(key)}
    config = write_kubeconfig(tmp_path / "k3s.yaml", cluster, user, name="default")
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))


async def test_bearer_token_flag_and_wrong_token(tls_sim: RunningSim) -> None:
    await check_lists_pods(options_for(tls_sim, token="viewer-token"))
    with pytest.raises(Unauthorized) as err:
        await connect(options_for(tls_sim, token="wrong"))
    assert err.value.message == "You must be logged in to the server (Unauthorized)"


async def test_refused_connection_is_one_line() -> None:
    with pytest.raises(Unreachable) as err:
        await connect(ConnectionOptions(server="http://127.0.0.1:9"))
    assert err.value.message == (
        "The connection to the server 127.0.0.1:9 was refused - did you specify the right "
        "host or port?"
    )


async def test_unresolvable_host_is_one_line() -> None:
    with pytest.raises(Unreachable, match="no such host"):
        await connect(ConnectionOptions(server="https://cluster.invalid:6443"))


async def test_unknown_context_is_a_configuration_error(tls_sim: RunningSim) -> None:
    with pytest.raises(ConfigurationError, match="context was not found"):
        await connect(options_for(tls_sim, "nope"))


# -- exec credential plugins -------------------------------------------------------------------
PLUGIN = """#!{python}
import datetime, json, os, sys
log = {log!r}
with open(log, "a") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\\n")
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds={ttl})
print(json.dumps({{
    "apiVersion": info["apiVersion"],
    "kind": "ExecCredential",
    "status": {{"token": {token!r},
               "expirationTimestamp": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}},
}}))
"""


def fake_plugin(folder: Path, name: str, *, token: str = "admin-token", ttl: float = 3600) -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / name
    log = folder / f"{name}.log"
    script.write_text(PLUGIN.format(python=sys.executable, log=str(log), ttl=ttl, token=token))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


def invocations(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


CLOUD_USERS: dict[str, dict[str, Any]] = {
    "eks": {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "demo"],
            "env": [{"name": "AWS_PROFILE", "value": "prod"}],
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": False,
        }
    },
    "gke": {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "gke-gcloud-auth-plugin",
            "installHint": "Install gke-gcloud-auth-plugin for use with kubectl",
            "provideClusterInfo": True,
            "interactiveMode": "IfAvailable",
        }
    },
    "aks": {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "kubelogin",
            "args": [
                "get-token",
                "--login",
                "azurecli",
                "--server-id",
                "6dae42f8-4368-4678-94ff-3960e28e3630",
            ],
            "env": None,
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": False,
        }
    },
    "v1": {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "my-plugin",
            "interactiveMode": "Never",
        }
    },
}


@pytest.mark.parametrize("cloud", sorted(CLOUD_USERS))
async def test_cloud_kubeconfigs_run_their_exec_plugin(
    cloud: str, tls_sim: RunningSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = CLOUD_USERS[cloud]
    shims = tmp_path / "bin"
    log = fake_plugin(shims, user["exec"]["command"])
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    config = write_kubeconfig(tmp_path / f"{cloud}.yaml", cluster_of(tls_sim), user, name=cloud)
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))
    assert invocations(log) == [json.dumps(user["exec"].get("args") or [])]


async def test_missing_exec_plugin_names_the_command_and_hint(
    tls_sim: RunningSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    config = write_kubeconfig(tmp_path / "gke.yaml", cluster_of(tls_sim), CLOUD_USERS["gke"])
    with pytest.raises(ConfigurationError) as err:
        await connect(ConnectionOptions(kubeconfig=str(config)))
    assert err.value.message == (
        "exec: executable gke-gcloud-auth-plugin not found. "
        "Install gke-gcloud-auth-plugin for use with kubectl"
    )


async def test_expiring_exec_token_is_refreshed_during_a_watch(
    tls_sim: RunningSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shims = tmp_path / "bin"
    log = fake_plugin(shims, "short-lived", ttl=1.0)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "short-lived"}}
    config = write_kubeconfig(tmp_path / "kc", cluster_of(tls_sim), user)
    connection = await connect(ConnectionOptions(kubeconfig=str(config)))
    state = ClusterState()
    informers = Informers(connection, state, "default", kinds=[PODS], backoff_initial=0.05)
    try:
        await informers.start()
        assert await informers.wait_synced(timeout=10)
        await wait_until(lambda: informers.informers["pods"].watches == 1)
        first = len(invocations(log))
        # The token outlives its 1 s expiry while the watch is open (real time: the
        # plugin's expiry is wall-clock), then the server ends the watch.
        await asyncio.sleep(1.2)
        tls_sim.call(tls_sim.cluster.store.close_all_watches)
        await wait_until(lambda: informers.informers["pods"].watches == 2)
        assert len(invocations(log)) > first
        started = time.monotonic()

        def delete_pod() -> str:
            pod = tls_sim.cluster.store.list("pods", "default")[0]
            tls_sim.cluster.store.delete("pods", "default", pod["metadata"]["name"])
            return str(pod["metadata"]["name"])

        gone = tls_sim.call(delete_pod)
        await wait_until(lambda: state.get("pods", "default", gone) is None)
        assert time.monotonic() - started < 10
        assert state.connection.state == "ok"
    finally:
        await informers.stop()
        await connection.close()


async def test_request_timeout_gives_up_like_kubectl(sim: RunningSim) -> None:
    connection = await connect(options_for(sim, request_timeout="200ms"))
    try:
        sim.call(setattr, sim.cluster.faults, "delay_seconds", 2.0)
        with pytest.raises(Unreachable) as err:
            await connection.get_json(PODS.path("default"))
        assert err.value.message == (
            "Unable to connect to the server: net/http: request canceled "
            "(Client.Timeout exceeded while awaiting headers)"
        )
    finally:
        sim.call(setattr, sim.cluster.faults, "delay_seconds", 0.0)
        await connection.close()


CERT_PLUGIN = """#!{python}
import json, os
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
print(json.dumps({{
    "apiVersion": info["apiVersion"],
    "kind": "ExecCredential",
    "status": {{"clientCertificateData": open({cert!r}).read(),
               "clientKeyData": open({key!r}).read()}},
}}))
"""


async def test_exec_plugin_may_answer_with_a_client_certificate(
    tls_sim: RunningSim, tmp_path: Path
) -> None:
    cert, key = client_cert_of(tls_sim)
    script = tmp_path / "cert-plugin"
    script.write_text(CERT_PLUGIN.format(python=sys.executable, cert=cert, key=key))
    script.chmod(0o700)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(script)}}
    config = write_kubeconfig(tmp_path / "kc", cluster_of(tls_sim), user)
    await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))


async def test_impersonation_headers_act_as_another_user(tls_sim: RunningSim) -> None:
    connection = await connect(options_for(tls_sim, as_user="viewer", as_groups=["team"]))
    try:
        assert (await connection.get_json(PODS.path("default")))["items"]
        with pytest.raises(ApiError) as err:
            await connection.get_json(SECRETS.path("default"))
        assert err.value.status == 403
        assert 'User "viewer"' in err.value.message
    finally:
        await connection.close()


@pytest.mark.parametrize("provider", ["gcp", "azure"])
async def test_removed_auth_providers_are_refused_like_kubectl(
    provider: str, tls_sim: RunningSim, tmp_path: Path, kubectl_path: Path
) -> None:
    user = {"auth-provider": {"name": provider}}
    config = write_kubeconfig(tmp_path / "kc", cluster_of(tls_sim), user)
    with pytest.raises(ConfigurationError) as err:
        await connect(ConnectionOptions(kubeconfig=str(config)))
    proc = await asyncio.create_subprocess_exec(
        str(kubectl_path),
        "--kubeconfig",
        str(config),
        "get",
        "pods",
        env={**os.environ, "KUBECACHEDIR": str(tmp_path / "cache")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await proc.communicate()
    lines = stderr.decode().splitlines()
    first = next(i for i, line in enumerate(lines) if "auth plugin has been removed" in line)
    theirs = f"{lines[first]} {lines[first + 1]}".split(": ", 1)[1]
    assert err.value.message == theirs


def expired_jwt() -> str:
    def part(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'exp': int(time.time()) - 3600})}.sig"


async def test_oidc_refreshes_an_expired_id_token_and_saves_it(
    tls_sim: RunningSim, tmp_path: Path
) -> None:
    seen: list[tuple[str, str]] = []

    async def discovery(request: web.Request) -> web.Response:
        return web.json_response({"token_endpoint": f"{issuer}/token"})

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append((str(form["refresh_token"]), request.headers["Authorization"]))
        return web.json_response({"id_token": "admin-token", "refresh_token": "second"})

    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_post("/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    issuer = f"http://127.0.0.1:{port}"
    user = {
        "auth-provider": {
            "name": "oidc",
            "config": {
                "client-id": "kubectl-stack",
                "client-secret": "s3cret",
                "idp-issuer-url": issuer,
                "id-token": expired_jwt(),
                "refresh-token": "first",
            },
        }
    }
    config = write_kubeconfig(tmp_path / "kc", cluster_of(tls_sim), user)
    try:
        await check_lists_pods(ConnectionOptions(kubeconfig=str(config)))
    finally:
        await runner.cleanup()
    basic = "Basic " + base64.b64encode(b"kubectl-stack:s3cret").decode()
    assert seen == [("first", basic)]
    saved = yaml.safe_load(config.read_text())["users"][0]["user"]["auth-provider"]["config"]
    assert (saved["id-token"], saved["refresh-token"]) == ("admin-token", "second")
