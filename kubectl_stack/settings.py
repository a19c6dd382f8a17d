"""User settings of the app: one dataclass, read from an XDG config file and from
``KUBECTL_STACK_*`` environment variables (the environment wins).

The config file is YAML, at ``$XDG_CONFIG_HOME/kubectl-stack/config.yaml`` (default
``~/.config/kubectl-stack/config.yaml``), for example::

    theme: textual-light
    log_buffer_lines: 20000
    keymap:
      scale: S
      quit: q,ctrl+c
    contexts:
      prod:
        read_only: true     # as --read-only, whenever the app is on context "prod"

A bad file or value never stops the app: it is reported as a warning and the default is kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "KUBECTL_STACK_"


@dataclass(frozen=True)
class ContextSettings:
    """Settings that apply while the app is on one kubeconfig context."""

    read_only: bool = False
    """No mutating key on this context, as with ``--read-only`` (production over a jump
    host)."""


@dataclass(frozen=True)
class Settings:
    """What a user may configure. Every field has a working default."""

    theme: str = "textual-dark"
    """Textual theme name; ``NO_COLOR`` in the environment still wins (monochrome)."""

    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma separated), applied with ``App.set_keymap``."""

    log_buffer_lines: int = 10_000
    """How many log lines the Logs screen keeps; older lines are dropped."""

    log_tail_lines: int = 200
    """How many past lines a log stream starts with."""

    sparkline_points: int = 60
    """Samples kept per autoscaler sparkline."""

    sample_seconds: int = 5
    """Seconds between two autoscaler samples (sparklines cover points x seconds)."""

    max_fps: int = 30
    """Screen refreshes a second at most (``--max-fps``). Whatever it is, the terminal is
    sent only the cells that changed, at most about 8 KB/s at 80x24 (24 KB/s at 200x60 and
    up) under sustained churn, and on a slow link no faster than it drains; lower it to
    spend less CPU."""

    show_clock: bool = True
    """Show the time of day (UTC) in the title bar."""

    mouse: bool = True
    """Capture the mouse (``--no-mouse`` turns it off)."""

    ascii: bool = False
    """Draw with ASCII only (``--ascii``); chosen anyway when the locale is not UTF-8 or
    ``TERM`` is ``linux`` / ``vt100``."""

    contexts: Mapping[str, ContextSettings] = field(default_factory=dict)
    """Per kubeconfig context name: :class:`ContextSettings` (``contexts: {prod:
    {read_only: true}}``)."""

    warnings: tuple[str, ...] = ()
    """Problems met while loading (shown once as notifications, never fatal)."""

    def context_read_only(self, context: str | None) -> bool:
        """Whether the config file makes ``context`` read-only."""
        found = self.contexts.get(context) if context else None
        return found is not None and found.read_only


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the config file lives, following the XDG base directory rules."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "kubectl-stack" / "config.yaml"


def _coerce(name: str, default: Any, raw: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name}: expected true or false, got {raw!r}")
    if isinstance(default, int):
        value = int(raw)
        if value <= 0:
            raise ValueError(f"{name}: must be a positive number, got {raw!r}")
        return value
    if name == "contexts":
        return _contexts(raw)
    if isinstance(default, Mapping):
        if not isinstance(raw, Mapping):
            raise ValueError(f"{name}: expected a mapping of binding id to keys")
        return {str(k): str(v) for k, v in raw.items()}
    return str(raw)


def _contexts(raw: Any) -> dict[str, ContextSettings]:
    if not isinstance(raw, Mapping):
        raise ValueError("contexts: expected a mapping of context name to settings")
    result: dict[str, ContextSettings] = {}
    for context, values in raw.items():
        if not isinstance(values, Mapping):
            raise ValueError(f"contexts.{context}: expected a mapping (read_only: true)")
        unknown = sorted(str(k) for k in values if k != "read_only")
        if unknown:
            raise ValueError(f"contexts.{context}: unknown setting {unknown[0]!r}")
        read_only = _coerce(f"contexts.{context}.read_only", False, values.get("read_only", False))
        result[str(context)] = ContextSettings(read_only=read_only)
    return result


def _apply(settings: Settings, values: Mapping[str, Any], origin: str) -> Settings:
    changes: dict[str, Any] = {}
    warnings = list(settings.warnings)
    known = {f.name: f for f in fields(Settings) if f.name != "warnings"}
    for key, raw in values.items():
        spec = known.get(key)
        if spec is None:
            warnings.append(f"{origin}: unknown setting {key!r} ignored")
            continue
        try:
            changes[key] = _coerce(key, getattr(settings, key), raw)
        except (TypeError, ValueError) as exc:
            warnings.append(f"{origin}: {exc}")
    return replace(settings, **changes, warnings=tuple(warnings))


def _keymap_from_env(text: str) -> dict[str, str]:
    # KUBECTL_STACK_KEYMAP="scale=S;quit=q,ctrl+c": ';' separates entries because ',' separates
    # the keys of one binding.
    result: dict[str, str] = {}
    for entry in text.split(";"):
        if not entry.strip():
            continue
        binding_id, equals, keys = entry.partition("=")
        if not (equals and binding_id.strip() and keys.strip()):
            raise ValueError(f"keymap: {entry.strip()!r} is not binding-id=keys (';' between)")
        result[binding_id.strip()] = keys.strip()
    return result


def load_settings(
    env: Mapping[str, str] | None = None, path: Path | None = None, **overrides: Any
) -> Settings:
    """Defaults, then the config file, then ``KUBECTL_STACK_<FIELD>`` variables, then
    ``overrides`` (what the command line said). Never raises."""
    env = os.environ if env is None else env
    settings = Settings()
    path = config_path(env) if path is None else path
    if path.is_file():
        try:
            import yaml

            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, Mapping):
                raise ValueError("expected a mapping at the top level")
            settings = _apply(settings, data, str(path))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            settings = replace(settings, warnings=(*settings.warnings, f"{path}: {message}"))
    from_env: dict[str, Any] = {}
    for spec in fields(Settings):
        raw = env.get(ENV_PREFIX + spec.name.upper())
        if raw is None or spec.name in ("warnings", "contexts"):
            continue
        try:
            from_env[spec.name] = _keymap_from_env(raw) if spec.name == "keymap" else raw
        except ValueError as exc:
            settings = replace(settings, warnings=(*settings.warnings, f"environment: {exc}"))
    settings = _apply(settings, from_env, "environment")
    return replace(settings, **overrides) if overrides else settings
