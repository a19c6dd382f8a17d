"""``/openapi/v3`` caching as kube-openapi's handler3 does it: hashed URLs in the discovery
document, immutable caching of a hashed request, a redirect from a stale hash, ETags and 304s,
and a group's URL that changes when its document does (a CRD added)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

from kubectl_stack_sim.runner import RunningSim, start_sim

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object"}},
            }
        ],
    },
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def _fetch(sim: RunningSim, path: str, **headers: str) -> tuple[int, Any, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(sim.url + path, headers=headers)
    try:
        with opener.open(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _urls(sim: RunningSim) -> dict[str, str]:
    _, _, body = _fetch(sim, "/openapi/v3")
    return {path: gv["serverRelativeURL"] for path, gv in json.loads(body)["paths"].items()}


def test_documents_are_named_by_the_sha512_of_their_bytes() -> None:
    with start_sim("seed") as sim:
        urls = _urls(sim)
        assert list(urls) == sorted(urls)
        url = urls["apis/apps/v1"]
        status, headers, body = _fetch(sim, url)
        digest = hashlib.sha512(body).hexdigest().upper()
        assert status == 200
        assert url == f"/openapi/v3/apis/apps/v1?hash={digest}"
        assert headers["Etag"] == f'"{digest}"'
        assert headers["Cache-Control"] == "public, immutable"
        assert headers["Expires"].endswith(" UTC")
        assert headers["Vary"] == "Accept"
        assert json.loads(body)["openapi"] == "3.0.0"

        # Without a hash: the document, but nothing that lets a cache keep it.
        status, headers, again = _fetch(sim, "/openapi/v3/apis/apps/v1")
        assert (status, again, headers.get("Cache-Control")) == (200, body, None)

        # A client that has it already is told so; one with a stale hash is sent on.
        status, _, empty = _fetch(sim, url, **{"If-None-Match": f'"{digest}"'})
        assert (status, empty) == (304, b"")
        status, headers, _ = _fetch(sim, "/openapi/v3/apis/apps/v1?hash=0BSOLETE")
        assert (status, headers["Location"]) == (301, url)

        status, headers, root = _fetch(sim, "/openapi/v3")
        assert headers["Etag"] == '"' + hashlib.sha512(root).hexdigest().upper() + '"'
        assert _fetch(sim, "/openapi/v3", **{"If-None-Match": headers["Etag"]})[0] == 304


def test_a_crd_gets_a_document_and_the_other_urls_stay() -> None:
    with start_sim("empty") as sim:
        before = _urls(sim)
        request = urllib.request.Request(
            sim.url + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            data=json.dumps(CRD).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()
        sim.advance(1)
        after = _urls(sim)
        assert set(after) - set(before) == {"apis/example.com/v1"}
        assert {p: after[p] for p in before} == before
        assert _fetch(sim, after["apis/example.com/v1"])[0] == 200
