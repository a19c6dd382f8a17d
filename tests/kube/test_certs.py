"""aiohttp imported without loading the CA bundle twice at start-up (kube/_certs.py)."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

from kubectl_stack.kube._certs import DeferredDefaultCerts


def test_aiohttp_default_contexts_load_the_system_cas_when_first_used() -> None:
    code = (
        "import ssl, kubectl_stack.kube, aiohttp.connector as c\n"
        "ctx = c._SSL_CONTEXT_VERIFIED\n"
        "assert 'set_default_verify_paths' not in vars(ssl.SSLContext)\n"
        "assert isinstance(ctx, ssl.SSLContext) and ctx.verify_mode == ssl.CERT_REQUIRED\n"
        "before = ctx.cert_store_stats()['x509_ca']\n"
        "ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname='example.com')\n"
        "print(before, ctx.cert_store_stats()['x509_ca'])\n"
    )
    cafile = Path(ssl.get_default_verify_paths().cafile or "")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before == 0
    if cafile.is_file():  # a system CA bundle to load (not only a hashed directory)
        assert after > 0


def test_a_deferred_context_loads_the_default_paths_once_on_first_wrap() -> None:
    ctx = DeferredDefaultCerts(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_default_verify_paths()
    assert ctx.cert_store_stats()["x509_ca"] == 0
    ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    loaded = ctx.cert_store_stats()["x509_ca"]
    ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    assert ctx.cert_store_stats()["x509_ca"] == loaded
    cafile = Path(ssl.get_default_verify_paths().cafile or "")
    if cafile.is_file():
        assert loaded > 0
