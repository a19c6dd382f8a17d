"""Shell completion for ``kubectl stack``, in the protocol kubectl (1.26+) speaks with a
plugin's ``kubectl_complete-stack`` executable, which is Cobra's ``__complete`` protocol.

kubectl completes ``kubectl stack ARGS... WORD<TAB>`` by running the completion executable with
``ARGS... WORD`` (WORD empty when a new word starts), and reads one candidate per line (an
optional tab then a description), the last line being ``:<directive>``, a sum of Cobra's
ShellCompDirective flags. ``kubectl-stack __complete ARGS... WORD`` answers the same way.

Candidates: flag names; contexts, clusters and users from the kubeconfig; namespaces; and
stack names (the Deployments of the namespace in effect). The cluster is asked through the
kubectl on PATH, with the connection flags already typed and a short timeout, so credentials
work exactly as for kubectl. Any failure gives no candidates and prints nothing else: a shell
completion must never write errors into the command line.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import kinds as K
from .cli import CONNECTION_FLAG_GROUP, build_parser

# Cobra's ShellCompDirective values.
DIRECTIVE_DEFAULT = 0  # the shell may fall back to file names
DIRECTIVE_NO_FILE_COMP = 4

# How long the cluster may take to answer a completion, and the whole kubectl run with it.
REQUEST_TIMEOUT = "2s"
RUN_TIMEOUT = 3.0

# Flags whose values may be files: the shell may complete file names too.
_FILE_FLAGS = {
    "kubeconfig",
    "certificate_authority",
    "client_certificate",
    "client_key",
    "demo",
}
_SIM = ("sim", "serve the embedded cluster for real kubectl")


@dataclass
class _Line:
    """What the words before the one being completed say."""

    values: dict[str, str] = field(default_factory=dict)  # argparse dest -> value
    flags: list[str] = field(default_factory=list)  # connection flags to pass to kubectl
    positionals: list[str] = field(default_factory=list)
    pending: argparse.Action | None = None  # the flag WORD is the value of


def _takes_value(action: argparse.Action) -> bool:
    # nargs "?" (--demo): the next word is its value unless it is a flag.
    return action.nargs in (None, "?")


def _scan(words: Sequence[str], options: dict[str, argparse.Action], connection: set[str]) -> _Line:
    line = _Line()

    def given(action: argparse.Action, value: str) -> None:
        line.values[action.dest] = value
        if action.dest in connection and action.dest not in ("namespace", "request_timeout"):
            line.flags.append(f"{action.option_strings[-1]}={value}")

    rest_positional = False
    for word in words:
        if line.pending is not None and word.startswith("-"):
            # As argparse reads it: a flag is never a value; --demo then stands alone.
            line.values[line.pending.dest] = ""
            line.pending = None
        if line.pending is not None:
            given(line.pending, word)
            line.pending = None
        elif rest_positional or word == "-" or not word.startswith("-"):
            line.positionals.append(word)
        elif word == "--":
            rest_positional = True
        elif "=" in word and word.startswith("--"):
            name, _, value = word.partition("=")
            if name in options:
                given(options[name], value)
        elif word in options:
            action = options[word]
            if _takes_value(action):
                line.pending = action
            else:
                line.values[action.dest] = ""
                if action.dest in connection:
                    line.flags.append(word)
        elif not word.startswith("--") and word[:2] in options:  # -nshop
            given(options[word[:2]], word[2:])
    return line


def _kubectl(args: list[str]) -> list[str]:
    """Lines kubectl prints for ``args``; none if kubectl is missing, fails or is slow."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return []
    try:
        result = subprocess.run(
            [kubectl, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


def _names(jsonpath_items: str) -> str:
    return f"jsonpath={{range {jsonpath_items}}}{{.metadata.name}}{{'\\n'}}{{end}}"


def _config_names(section: str) -> Callable[[_Line], list[str]]:
    def names(line: _Line) -> list[str]:
        path = f"{{range .{section}[*]}}{{.name}}{{'\\n'}}{{end}}"
        return _kubectl(["config", "view", "--raw", "-o", f"jsonpath={path}", *line.flags])

    return names


def _contexts(line: _Line) -> list[str]:
    return _kubectl(["config", "get-contexts", "-o", "name", *line.flags])


def _namespaces(line: _Line) -> list[str]:
    return _kubectl(
        ["get", "namespaces", f"--request-timeout={REQUEST_TIMEOUT}", "-o", _names(".items[*]")]
        + line.flags
    )


def _stacks(line: _Line) -> list[str]:
    """The workloads of every kind, named as the STACK argument takes them (``my-app``,
    ``sts/db``, ``ds/agent``), from one ``kubectl get`` of all the kinds."""
    scope = ["--all-namespaces"] if "all_namespaces" in line.values else []
    if line.values.get("namespace"):
        scope = [f"--namespace={line.values['namespace']}"]
    resources = ",".join(
        f"{k.plural}.{k.group}" if k.group else k.plural for k in K.WORKLOADS.values()
    )
    each = "{range .items[*]}{.kind}{' '}{.metadata.name}{'\\n'}{end}"
    lines = _kubectl(
        ["get", resources, f"--request-timeout={REQUEST_TIMEOUT}", "-o", f"jsonpath={each}"]
        + scope
        + line.flags
    )
    return [K.display_name(*found.split(" ", 1)) for found in lines if " " in found]


def _scenarios(_line: _Line) -> list[str]:
    from kubectl_stack_sim.scenario import available

    return available()


_VALUES: dict[str, Callable[[_Line], list[str]]] = {
    "demo": _scenarios,
    "context": _contexts,
    "cluster": _config_names("clusters"),
    "user": _config_names("users"),
    "namespace": _namespaces,
}


def complete(args: Sequence[str]) -> tuple[list[str], int]:
    """Candidates (``name`` or ``name<TAB>description``) and the Cobra directive for the
    command line ``kubectl stack ARGS``, whose last word is the one being completed."""
    words = list(args) or [""]
    word = words[-1]
    parser = build_parser()
    # argparse keeps its flag table private; reading it keeps completion in step with --help.
    actions = [a for a in parser._actions if a.option_strings]
    options = {opt: a for a in actions for opt in a.option_strings}
    connection = {
        a.dest
        for group in parser._action_groups
        if group.title == CONNECTION_FLAG_GROUP
        for a in group._group_actions
    }
    line = _scan(words[:-1], options, connection)

    action = line.pending
    if action is not None and action.nargs == "?" and word.startswith("-"):
        line.values[action.dest] = ""
        action = None
    prefix = word
    if action is None and word.startswith("--") and "=" in word:
        # Cobra completes `--flag=val` with bare values: the shell keeps the `--flag=` part.
        name, _, prefix = word.partition("=")
        action = options.get(name)
        if action is None:
            return [], DIRECTIVE_NO_FILE_COMP
    if action is not None:
        source = _VALUES.get(action.dest)
        values = [v for v in (source(line) if source is not None else []) if v.startswith(prefix)]
        return values, DIRECTIVE_DEFAULT if action.dest in _FILE_FLAGS else DIRECTIVE_NO_FILE_COMP

    if line.positionals[:1] == ["sim"]:
        # The embedded cluster's own flags take paths and scenario files.
        return [], DIRECTIVE_DEFAULT
    if word.startswith("-"):
        return _flag_names(actions, line, word), DIRECTIVE_NO_FILE_COMP
    if line.positionals:
        return [], DIRECTIVE_NO_FILE_COMP
    candidates = [s for s in _stacks(line) if s.startswith(word)]
    if _SIM[0].startswith(word) and _SIM[0] not in candidates:
        candidates.append("\t".join(_SIM))
    return candidates, DIRECTIVE_NO_FILE_COMP


def _flag_names(actions: list[argparse.Action], line: _Line, word: str) -> list[str]:
    out = []
    for action in actions:
        if action.dest in line.values and not isinstance(action, argparse._AppendAction):
            continue  # already given, as Cobra leaves out flags that are set
        help_text = (action.help or "").split("(")[0].strip()
        for opt in action.option_strings:
            # Short forms only once the word cannot be a long one, as Cobra offers them.
            if opt.startswith(word) and (opt.startswith("--") or not word.startswith("--")):
                out.append(f"{opt}\t{help_text}" if help_text else opt)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the completion of ``argv`` (default ``sys.argv[1:]``) as kubectl expects."""
    candidates, directive = complete(sys.argv[1:] if argv is None else argv)
    sys.stdout.write("".join(f"{c}\n" for c in candidates) + f":{directive}\n")
    return 0
