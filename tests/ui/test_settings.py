"""Settings: defaults, XDG config file, KUBECTL_STACK_ environment, never fatal."""

from __future__ import annotations

from pathlib import Path

from kubectl_stack.settings import Settings, config_path, load_settings


def test_config_file_lives_under_xdg_config_home(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": "/nowhere"}
    assert config_path(env) == tmp_path / "kubectl-stack" / "config.yaml"
    assert config_path({"HOME": str(tmp_path)}) == tmp_path / ".config/kubectl-stack/config.yaml"


def test_file_then_environment_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("theme: textual-light\nlog_buffer_lines: 500\nkeymap:\n  scale: S\n")
    env = {"KUBECTL_STACK_LOG_BUFFER_LINES": "700", "KUBECTL_STACK_KEYMAP": "quit=x;undo=U"}
    settings = load_settings(env, path)
    assert settings.theme == "textual-light"
    assert settings.log_buffer_lines == 700
    assert settings.keymap == {"quit": "x", "undo": "U"}
    assert settings.warnings == ()


def test_bad_values_become_warnings_and_keep_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("log_buffer_lines: -3\ncolour: pink\n")
    settings = load_settings({"KUBECTL_STACK_MOUSE": "maybe"}, path)
    assert settings.log_buffer_lines == Settings().log_buffer_lines
    assert settings.mouse is True
    assert any("log_buffer_lines" in w for w in settings.warnings)
    assert any("'colour'" in w for w in settings.warnings)
    assert any("mouse" in w for w in settings.warnings)


def test_unreadable_yaml_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("keymap: [unclosed\n")
    settings = load_settings({}, path)
    assert settings == Settings(warnings=settings.warnings)
    assert len(settings.warnings) == 1 and str(path) in settings.warnings[0]


def test_a_keymap_that_is_not_id_equals_keys_is_a_warning(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KUBECTL_STACK_KEYMAP": "scale=S;garbage"}
    settings = load_settings(env)
    assert dict(settings.keymap) == {}
    assert settings.warnings == (
        "environment: keymap: 'garbage' is not binding-id=keys (';' between)",
    )


def test_ascii_is_a_setting(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KUBECTL_STACK_ASCII": "yes"}
    assert load_settings(env).ascii is True
    assert load_settings({"XDG_CONFIG_HOME": str(tmp_path)}).ascii is False


def test_contexts_mark_some_contexts_read_only(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n  prod:\n    read_only: true\n  dev:\n    read_only: false\n")
    settings = load_settings({}, path)
    assert settings.warnings == ()
    assert settings.context_read_only("prod")
    assert not settings.context_read_only("dev")
    assert not settings.context_read_only("staging")
    assert not settings.context_read_only(None)


def test_a_bad_contexts_entry_is_a_warning_and_marks_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n  prod:\n    readonly: true\n")
    settings = load_settings({}, path)
    assert not settings.context_read_only("prod")
    assert any("contexts.prod: unknown setting 'readonly'" in w for w in settings.warnings)
    path.write_text("contexts:\n  prod:\n    read_only: perhaps\n")
    settings = load_settings({}, path)
    assert not settings.context_read_only("prod")
    assert any("contexts.prod.read_only: expected true or false" in w for w in settings.warnings)
