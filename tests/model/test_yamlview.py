"""YAML for display never shows managedFields or secret values."""

from __future__ import annotations

from kubectl_stack.model.yamlview import to_yaml


def test_secret_values_are_redacted_but_keys_kept() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "app-secrets",
            "managedFields": [{"manager": "kubectl"}],
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"P":"czNj"}}'
            },
        },
        "data": {"DATABASE_PASSWORD": "czNjcjN0LXBhc3N3b3Jk"},
        "stringData": {"TOKEN": "plain"},
        "type": "Opaque",
    }
    text = to_yaml(secret)
    assert "czNj" not in text and "plain" not in text and "managedFields" not in text
    assert "  DATABASE_PASSWORD: <redacted>\n" in text
    assert "  TOKEN: <redacted>\n" in text


def test_other_objects_keep_their_fields_in_served_order() -> None:
    cm = {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "app-config", "managedFields": []},
        "data": {"LOG_LEVEL": "info"},
    }
    assert to_yaml(cm) == (
        "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n"
    )
