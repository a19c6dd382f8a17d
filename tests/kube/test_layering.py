"""The data layer runs without the TUI: importing it never loads Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODULES = ["connection", "kubeconfig", "informer", "store", "actions", "logs", "kinds"]


def test_kube_modules_never_import_textual() -> None:
    imports = "; ".join(f"import kubectl_stack.kube.{m}" for m in MODULES)
    code = f"import sys; {imports}; print([m for m in sys.modules if m.startswith('textual')])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"


def test_connecting_does_not_load_the_generated_kubernetes_client() -> None:
    # kubernetes.aio costs ~0.5 s and ~20 MB; it is loaded only for exec / auth-provider users.
    code = (
        "import sys, kubectl_stack.kube.connection, kubectl_stack.kube.informer; "
        "print('kubernetes' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "False"
