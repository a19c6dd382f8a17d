"""Cell formats of the server-side printers that the seed stack does not exercise."""

from __future__ import annotations

from kubectl_stack_sim.api import tables
from kubectl_stack_sim.labels import format_label_selector, label_selector_string

NOW = 1_800_000_000.0


def test_hpa_targets_name_the_metric_and_truncate_after_two() -> None:
    cpu = {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
    }
    mem = {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "200Mi"}},
    }
    pods = {
        "type": "Pods",
        "pods": {
            "metric": {"name": "qps"},
            "target": {"type": "AverageValue", "averageValue": "10"},
        },
    }
    assert tables.hpa_targets([], []) == "<none>"
    assert tables.hpa_targets([cpu], []) == "cpu: <unknown>/70%"
    current = [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}
    ]
    assert tables.hpa_targets([cpu], current) == "cpu: 45%/70%"
    assert (
        tables.hpa_targets([cpu, mem, pods], current)
        == "cpu: 45%/70%, memory: <unknown>/200Mi + 1 more..."
    )


def test_service_external_ip_and_ports_by_type() -> None:
    def row(spec: dict[str, object], status: dict[str, object] | None = None) -> list[object]:
        obj = {
            "metadata": {"name": "s", "creationTimestamp": "2027-01-15T08:00:00Z"},
            "spec": spec,
            "status": status or {},
        }
        return tables.PRINTERS["services"][1](obj, NOW)

    lb = row(
        {
            "type": "LoadBalancer",
            "clusterIPs": ["10.0.0.1"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
        }
    )
    assert lb[3:5] == ["<pending>", "80:30080/TCP"]
    ready = row(
        {"type": "LoadBalancer", "ports": []}, {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    )
    assert ready[2:5] == ["<none>", "1.2.3.4", "<none>"]
    external = row({"type": "ExternalName", "externalName": "db.example.com"})
    assert external[3] == "db.example.com"


def test_event_row_falls_back_to_event_time_and_counts_singletons() -> None:
    event = {
        "metadata": {"name": "e1"},
        "eventTime": "2027-01-15T07:59:00.000000Z",
        "type": "Normal",
        "reason": "Pulled",
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{app}"},
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
        "message": " pulled \n",
    }
    cells = tables.PRINTERS["events"][1](event, NOW)
    assert cells[1:] == [
        "Normal",
        "Pulled",
        "pod/p",
        "spec.containers{app}",
        "kubelet, node-1",
        "pulled",
        cells[0],
        1,
        "e1",
    ]


def test_selectors_print_as_kubectl() -> None:
    selector = {
        "matchLabels": {"b": "2", "a": "1"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "gone", "operator": "DoesNotExist"},
        ],
    }
    assert label_selector_string(selector) == "a=1,b=2,env in (dev,prod),!gone"
    assert format_label_selector({}) == "<none>"
