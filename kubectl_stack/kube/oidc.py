"""The ``oidc`` auth-provider as client-go implements it.

The id-token is used while it has more than 10 seconds left; otherwise it is refreshed with
the refresh-token at the issuer's token endpoint (found through its discovery document), and
the new tokens are written back to the kubeconfig file that defines the user, as kubectl does
(identity providers that rotate refresh tokens would otherwise lock the next kubectl out).

The issuer's certificate is verified against ``idp-certificate-authority(-data)`` or the
system's roots: refresh tokens are never sent to an unverified server.
"""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import aiohttp
import yaml

from .. import jsonutil

EXPIRY_DELTA = 10.0  # client-go's oidc expiryDelta


class OIDCError(Exception):
    """The token cannot be obtained. ``str()`` is one line for the user."""


def token_expiry(id_token: str) -> float | None:
    """The ``exp`` claim of a JWT (epoch seconds), or None when it has none / is not a JWT."""
    parts = id_token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = jsonutil.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) else None


def _ssl_context(config: dict[str, Any]) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    try:
        if config.get("idp-certificate-authority-data"):
            pem = base64.b64decode(config["idp-certificate-authority-data"]).decode()
            ctx = ssl.create_default_context(cadata=pem)
        elif config.get("idp-certificate-authority"):
            ctx = ssl.create_default_context(cafile=config["idp-certificate-authority"])
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise OIDCError(f"oidc: unable to load the issuer's certificate authority: {exc}") from exc
    return ctx


async def current_token(
    config: dict[str, Any], user_name: str | None, user_file: str | None
) -> str:
    """A valid id-token for this auth-provider config, refreshing (and persisting) if needed.
    ``config`` is updated in place with the new tokens."""
    id_token = str(config.get("id-token") or "")
    if id_token:
        expiry = token_expiry(id_token)
        if expiry is None or expiry - EXPIRY_DELTA > time.time():
            return id_token
    refresh_token = config.get("refresh-token")
    issuer = str(config.get("idp-issuer-url") or "").rstrip("/")
    if not refresh_token or not issuer:
        raise OIDCError("oidc: the id-token has expired and there is no refresh-token to renew it")
    # OAuth2 client authentication in the header, each part form-encoded (RFC 6749 2.3.1).
    client = f"{quote_plus(str(config.get('client-id') or ''))}:" + quote_plus(
        str(config.get("client-secret") or "")
    )
    headers = {
        "Accept": "application/json",
        "Authorization": "Basic " + base64.b64encode(client.encode()).decode(),
    }
    ctx: ssl.SSLContext | bool = _ssl_context(config) if issuer.startswith("https") else False
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
            async with session.get(f"{issuer}/.well-known/openid-configuration", ssl=ctx) as resp:
                if resp.status != 200:
                    raise OIDCError(f"oidc: discovery at {issuer} answered {resp.status}")
                discovery = jsonutil.loads(await resp.read())
            endpoint = discovery.get("token_endpoint") if isinstance(discovery, dict) else None
            if not endpoint:
                raise OIDCError(f"oidc: {issuer} lists no token_endpoint")
            form = {"grant_type": "refresh_token", "refresh_token": str(refresh_token)}
            async with session.post(endpoint, data=form, ssl=ctx) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise OIDCError(f"oidc: refreshing the token failed ({resp.status})")
    except aiohttp.ClientError as exc:
        raise OIDCError(f"oidc: cannot reach the issuer {issuer}: {exc}") from exc
    tokens = jsonutil.loads(body)
    if not isinstance(tokens, dict) or not tokens.get("id_token"):
        raise OIDCError("oidc: the token response has no id_token")
    config["id-token"] = str(tokens["id_token"])
    if tokens.get("refresh_token"):
        config["refresh-token"] = str(tokens["refresh_token"])
    if user_name and user_file:
        persist(Path(user_file), user_name, config)
    return str(config["id-token"])


def persist(path: Path, user_name: str, config: dict[str, Any]) -> None:
    """Write the new tokens into the user's auth-provider config in ``path`` (atomically,
    keeping the file's mode). Failure to write is not fatal: the tokens still work now."""
    with contextlib.suppress(OSError, yaml.YAMLError):
        doc = yaml.safe_load(path.read_text()) or {}
        for entry in doc.get("users") or ():
            if isinstance(entry, dict) and entry.get("name") == user_name:
                provider = (entry.get("user") or {}).get("auth-provider") or {}
                saved = provider.setdefault("config", {})
                saved["id-token"] = config["id-token"]
                if "refresh-token" in config:
                    saved["refresh-token"] = config["refresh-token"]
                break
        else:
            return
        mode = path.stat().st_mode & 0o777
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kubeconfig-")
        with os.fdopen(fd, "w") as fh:
            yaml.safe_dump(doc, fh, default_flow_style=False)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
