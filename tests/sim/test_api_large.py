"""The `large` scenario through the API: 10,000 pods listed page by page as kubectl does, and
ten concurrent watches fed the same churn."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

from kubectl_stack_sim.runner import start_sim

pytestmark = pytest.mark.slow


def test_large_cluster_lists_ten_thousand_pods_and_feeds_ten_watches() -> None:
    started = time.monotonic()
    with start_sim("large") as sim:
        assert time.monotonic() - started < 15
        names: list[str] = []
        token = ""
        while True:
            url = f"{sim.url}/api/v1/pods?limit=500" + (f"&continue={token}" if token else "")
            req = urllib.request.Request(
                url, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
            )
            with urllib.request.urlopen(req, timeout=30) as resp:
                page = json.loads(resp.read())
            names += [row["cells"][0] for row in page["rows"]]
            token = page["metadata"].get("continue", "")
            if not token:
                break
        assert len(names) == 10_000 == len(set(names))

        rv = sim.call(lambda: sim.cluster.store.resource_version)
        counts = [0] * 10
        marker = {"metadata": {"name": "end-of-churn", "namespace": "default"}, "spec": {}}

        def watch(i: int) -> None:
            # Read until the marker written after the churn: no wall-clock watch timeout, so a
            # slow, loaded machine cannot cut a watch short.
            url = f"{sim.url}/api/v1/pods?watch=1&resourceVersion={rv}&timeoutSeconds=120"
            with urllib.request.urlopen(url, timeout=120) as resp:
                for line in resp:
                    if json.loads(line)["object"]["metadata"]["name"] == "end-of-churn":
                        return
                    counts[i] += 1

        threads = [threading.Thread(target=watch, args=(i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for _ in range(10):
            sim.advance(1)
        sim.call(sim.cluster.store.create, "pods", marker)
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        assert counts[0] > 0 and len(set(counts)) == 1
