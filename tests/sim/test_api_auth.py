"""Authentication and the two roles, over HTTPS and plain HTTP."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from kubectl_stack_sim.runner import start_sim

SECRETS = "/api/v1/namespaces/default/secrets"


def _get(url: str, context: ssl.SSLContext | None = None, **headers: str) -> tuple[int, Any]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, context=context, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_tls_authenticates_by_token_or_client_certificate() -> None:
    with start_sim("empty", tls=True) as sim:
        assert (
            sim.ca_file is not None and sim.client_cert is not None and sim.client_key is not None
        )
        context = ssl.create_default_context(cafile=str(sim.ca_file))
        status, body = _get(sim.url + SECRETS, context)
        assert (status, body["reason"], body["message"]) == (401, "Unauthorized", "Unauthorized")
        assert _get(sim.url + SECRETS, context, Authorization="Bearer nope")[0] == 401
        assert _get(sim.url + SECRETS, context, Authorization="Bearer admin-token")[0] == 200
        status, body = _get(sim.url + SECRETS, context, Authorization="Bearer viewer-token")
        assert (status, body["reason"]) == (403, "Forbidden")
        with_cert = ssl.create_default_context(cafile=str(sim.ca_file))
        with_cert.load_cert_chain(str(sim.client_cert), str(sim.client_key))
        assert _get(sim.url + SECRETS, with_cert)[0] == 200


def test_plain_http_is_admin_unless_a_token_or_impersonation_says_otherwise(api: Any) -> None:
    assert api.request(SECRETS)[0] == 200
    status, body = api.json(SECRETS, headers={"Authorization": "Bearer viewer-token"})
    assert status == 403
    assert api.json(SECRETS, headers={"Impersonate-User": "viewer"})[0] == 403
    status, body = api.json(
        SECRETS, headers={"Authorization": "Bearer viewer-token", "Impersonate-User": "admin"}
    )
    assert (status, body["message"]) == (
        403,
        'users "admin" is forbidden: User "viewer" cannot impersonate resource "users" in API '
        'group "" at the cluster scope',
    )
    status, _ = api.json(
        "/api/v1/namespaces/default/pods", headers={"Impersonate-User": "someone-unknown"}
    )
    assert status == 403
    status, _, raw = api.request(
        "/api/v1/namespaces/default/pods", headers={"Impersonate-User": "viewer"}
    )
    assert status == 200 and json.loads(raw)["items"]
