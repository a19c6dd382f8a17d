"""The built-in shell of a simulated container: what ``kubectl exec`` runs in the sim.

A simulated container has no programs, so every exec reaches this small POSIX-like shell
(busybox ``sh`` in spirit and wording) over the container of :mod:`.container`. What it does:

- **Command lines**: words with single quotes, double quotes and backslashes; ``$NAME``,
  ``${NAME}``, ``$?`` and ``$$`` expanded (unquoted expansions split on blanks); ``NAME=value``
  assignments; lists with ``;``, ``&&``, ``||`` and newlines; pipelines with ``|``; the
  redirections ``>/dev/null``, ``2>/dev/null``, ``2>&1``, ``>&2`` and ``< FILE`` (any other
  output file: ``Read-only file system``); ``#`` comments. No globbing, no control flow, no
  functions, no background jobs (``&`` is a ``;``).
- **Commands**: ``echo [-n]``, ``env``, ``printenv [NAME...]``, ``hostname`` (the pod's name),
  ``cat [FILE...]`` (stdin without a file), ``ls [-a] [-l] [-1] [PATH...]``, ``pwd``, ``cd``,
  ``export``, ``unset``, ``exit [N]``, ``true``, ``false``, ``:``, ``id``, ``whoami`` (root),
  ``command -v NAME``, ``which NAME``, ``exec CMD...``, ``grep [-i] [-v] [-c] PATTERN [FILE...]``,
  ``head [-n N]``, ``wc [-l|-w|-c]``, ``sort [-r]``, ``stty size`` (the terminal's size from
  kubectl's resize messages), ``tar c`` (``kubectl cp`` out of the container; ``tar x`` meets
  the read-only file system), ``sh``/``bash`` (``-c SCRIPT``, or interactive: reads lines from
  stdin, with a ``/ # `` prompt and the terminal's echo when there is a tty). ``bash`` exists
  only where :attr:`.container.Container.has_bash` says so.
- **Anything else** prints ``sh: NAME: not found`` and exits 127, as busybox does; a missing
  file, directory or variable gets busybox's messages and exit codes.

The :class:`Shell` runs one command line at a time, synchronously, and says whether the
session should go on reading lines (:attr:`Shell.interactive`) or has ended
(:attr:`Shell.exited`). :class:`LineDiscipline` is the terminal side of a tty: echo, erase,
Ctrl+C, Ctrl+D and CR/LF translation.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field

from .container import Container

BUILTINS = ("cd", "command", "echo", "exec", "exit", "export", "pwd", "unset", "true", "false", ":")
UTILITIES = (
    "cat", "env", "grep", "head", "hostname", "id", "ls", "printenv", "sh", "sort", "stty",
    "tar", "wc", "which", "whoami",
)  # fmt: skip
_OPERATORS = ("&&", "||", "2>&1", ">&2", "1>&2", "2>", ">>", ">", "<", ";", "|", "&", "\n")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)


class ShellSyntaxError(Exception):
    pass


@dataclass
class Word:
    """A word as written: (text, quoting) parts, quoting one of ``'``, ``"`` or ``""``."""

    parts: list[tuple[str, str]] = field(default_factory=list)


Token = Word | str


def tokenize(line: str) -> list[Token]:
    tokens: list[Token] = []
    word: Word | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if ch in " \t":
            word = None
            i += 1
            continue
        if ch == "#" and word is None:
            end = line.find("\n", i)
            i = len(line) if end < 0 else end
            continue
        op = next((o for o in _OPERATORS if line.startswith(o, i)), None)
        if op is not None and not (op[0] in "12" and word is not None):
            tokens.append(op)
            word = None
            i += len(op)
            continue
        if word is None:
            word = Word()
            tokens.append(word)
        if ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated quoted string")
            word.parts.append((line[i + 1 : end], "'"))
            i = end + 1
        elif ch == '"':
            j, text = i + 1, []
            while j < len(line) and line[j] != '"':
                if line[j] == "\\" and j + 1 < len(line) and line[j + 1] in '"\\$`':
                    text.append(line[j + 1])
                    j += 2
                    continue
                text.append(line[j])
                j += 1
            if j >= len(line):
                raise ShellSyntaxError("unterminated quoted string")
            word.parts.append(("".join(text), '"'))
            i = j + 1
        elif ch == "\\" and i + 1 < len(line):
            word.parts.append((line[i + 1], "'"))
            i += 2
        else:
            j = i
            while (
                j < len(line)
                and line[j] not in " \t'\"\\"
                and not any(line.startswith(o, j) for o in _OPERATORS if o[0] not in "12")
            ):
                j += 1
            word.parts.append((line[i:j], ""))
            i = j
    return tokens


@dataclass
class Command:
    words: list[Word] = field(default_factory=list)
    redirects: list[tuple[str, Word | None]] = field(default_factory=list)


Pipeline = list[Command]


def parse(tokens: list[Token]) -> list[tuple[str, Pipeline]]:
    """``[(connector, pipeline)]``, the connector (``;``, ``&&``, ``||``) joining each
    pipeline to the one before."""
    result: list[tuple[str, Pipeline]] = []
    connector = ";"
    pipeline: Pipeline = [Command()]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if isinstance(tok, Word):
            pipeline[-1].words.append(tok)
        elif tok in (";", "&", "\n", "&&", "||"):
            if pipeline[-1].words or pipeline[-1].redirects:
                result.append((connector, pipeline))
            elif tok in ("&&", "||") or len(pipeline) > 1:
                raise ShellSyntaxError(f"unexpected {tok!r}")
            connector = ";" if tok in ("&", "\n") else tok
            pipeline = [Command()]
        elif tok == "|":
            if not pipeline[-1].words:
                raise ShellSyntaxError("unexpected '|'")
            pipeline.append(Command())
        elif tok in ("2>&1", ">&2", "1>&2"):
            pipeline[-1].redirects.append((tok, None))
        else:
            target = tokens[i + 1] if i + 1 < len(tokens) else None
            if not isinstance(target, Word):
                raise ShellSyntaxError("unexpected newline")
            pipeline[-1].redirects.append((tok, target))
            i += 1
        i += 1
    if pipeline[-1].words or pipeline[-1].redirects:
        result.append((connector, pipeline))
    elif connector in ("&&", "||") or len(pipeline) > 1:
        raise ShellSyntaxError("unexpected end of file")
    return result


class Output:
    """What a command wrote: ``(fd, bytes)`` chunks in order; fds remapped by redirections
    (None: /dev/null)."""

    def __init__(self) -> None:
        self.chunks: list[tuple[int, bytes]] = []
        self.fds: dict[int, int | None] = {1: 1, 2: 2}

    def write(self, fd: int, data: bytes | str) -> None:
        raw = data.encode() if isinstance(data, str) else data
        target = self.fds.get(fd, fd)
        if raw and target is not None:
            self.chunks.append((target, raw))

    def out(self, text: str) -> None:
        self.write(1, text)

    def err(self, text: str) -> None:
        self.write(2, text)


class ExitShell(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class Shell:
    """One shell process in a container."""

    def __init__(self, container: Container, *, tty: bool = False, name: str = "sh") -> None:
        self.container = container
        self.tty = tty
        self.name = name
        self.vars: dict[str, str] = dict(container.env)
        self.cwd = "/"
        self.status = 0
        self.interactive = False
        self.exited: int | None = None
        self.size = (0, 0)  # (rows, columns) of the tty
        self._commands: dict[str, Callable[[list[str], bytes, Output], int]] = {
            "echo": self._echo, "env": self._env, "printenv": self._printenv,
            "hostname": self._hostname, "cat": self._cat, "ls": self._ls, "pwd": self._pwd,
            "cd": self._cd, "export": self._export, "unset": self._unset, "exit": self._exit,
            "true": lambda a, i, o: 0, "false": lambda a, i, o: 1, ":": lambda a, i, o: 0,
            "id": self._id, "whoami": self._whoami, "command": self._command,
            "which": self._which, "exec": self._exec, "grep": self._grep, "head": self._head,
            "wc": self._wc, "sort": self._sort, "stty": self._stty, "tar": self._tar,
            "sh": lambda a, i, o: self._sh("sh", a, i, o),
            "bash": lambda a, i, o: self._sh("bash", a, i, o),
        }  # fmt: skip

    @property
    def prompt(self) -> str:
        if self.name == "bash":
            return f"root@{self.container.pod}:{self.cwd}# "
        return f"{self.cwd} # "

    # -- running ---------------------------------------------------------------------------

    def run_line(self, line: str, stdin: bytes = b"") -> Output:
        """Run one command line; ``status``, ``exited`` and ``interactive`` tell what then."""
        out = Output()
        try:
            program = parse(tokenize(line))
        except ShellSyntaxError as exc:
            out.err(f"{self.name}: syntax error: {exc}\n")
            self.status = 2
            return out
        was_interactive = self.interactive
        try:
            for connector, pipeline in program:
                if connector == "&&" and self.status != 0:
                    continue
                if connector == "||" and self.status == 0:
                    continue
                self.status = self._pipeline(pipeline, stdin, out)
                if self.interactive and not was_interactive:
                    break  # a shell started here reads the rest from stdin
        except ExitShell as done:
            self.status = done.status
            self.exited = done.status
        return out

    def run_argv(self, argv: list[str], stdin: bytes = b"") -> Output:
        """Run the command kubectl exec asked for (its words as given, never re-parsed);
        the process ends with it unless it became an interactive shell."""
        out = Output()
        try:
            self.status = self._simple(list(argv), stdin, out)
            if not self.interactive:
                self.exited = self.status
        except ExitShell as done:
            self.status = self.exited = done.status
        return out

    def _pipeline(self, pipeline: Pipeline, stdin: bytes, out: Output) -> int:
        data = stdin
        status = 0
        was_interactive = self.interactive
        for index, command in enumerate(pipeline):
            last = index == len(pipeline) - 1
            stage = out if last else Output()
            status = self._command_with_redirects(command, data, stage)
            if not last:
                data = b"".join(d for fd, d in stage.chunks if fd == 1)
                out.chunks.extend((fd, d) for fd, d in stage.chunks if fd != 1)
            if self.interactive and not was_interactive:
                break
        return status

    def _command_with_redirects(self, command: Command, stdin: bytes, out: Output) -> int:
        saved = dict(out.fds)
        try:
            for op, target in command.redirects:
                path = self._expand_word(target, split=False)[0] if target else ""
                if op == "2>&1":
                    out.fds[2] = out.fds.get(1, 1)
                elif op in (">&2", "1>&2"):
                    out.fds[1] = out.fds.get(2, 2)
                elif op == "<":
                    content = self._read_file(path)
                    if content is None:
                        out.err(f"{self.name}: can't open {path}: no such file\n")
                        return 1
                    stdin = content
                elif path == "/dev/null":
                    out.fds[2 if op == "2>" else 1] = None
                else:
                    out.err(f"{self.name}: can't create {path}: Read-only file system\n")
                    return 1
            words: list[str] = []
            for word in command.words:
                words.extend(self._expand_word(word))
            return self._simple(words, stdin, out)
        finally:
            out.fds = saved

    def _simple(self, words: list[str], stdin: bytes, out: Output) -> int:
        assignments = []
        while words and _ASSIGNMENT.fullmatch(words[0]):
            assignments.append(words.pop(0))
        if not words:
            for assignment in assignments:
                name, value = assignment.split("=", 1)
                self.vars[name] = value
            return 0
        name = words[0]
        base = self._resolve(name)
        handler = self._commands.get(base) if base is not None else None
        if handler is None:
            out.err(self._not_found(name))
            return 127
        return handler(words[1:], stdin, out)

    def executable(self, name: str) -> bool:
        """Whether ``name`` is a program in the image (what exec can start directly): the
        utilities and busybox's echo/pwd/true/false, never shell-only builtins like cd."""
        found = self._resolve(name)
        return found is not None and found not in (
            "cd",
            "command",
            "exec",
            "exit",
            "export",
            "unset",
            ":",
        )

    def _not_found(self, name: str) -> str:
        if self.name == "bash":
            return f"bash: {name}: command not found\n"
        return f"{self.name}: {name}: not found\n"

    def _resolve(self, name: str) -> str | None:
        """The command ``name`` runs, or None: a builtin, or a utility found in /bin (by
        name or by its path)."""
        if "/" in name:
            directory, _, base = name.rpartition("/")
            if directory not in ("/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin"):
                return None
            name = base
            if name in BUILTINS and name not in ("true", "false"):
                return None
        if name == "bash" and not self.container.has_bash:
            return None
        if name in BUILTINS or name in UTILITIES or name == "bash":
            return name
        return None

    def _expand_word(self, word: Word, *, split: bool = True) -> list[str]:
        text = []
        expanded_unquoted = False
        for part, quoting in word.parts:
            if quoting == "'":
                text.append(part)
            else:
                value = self._expand_vars(part)
                expanded_unquoted = expanded_unquoted or (quoting == "" and value != part)
                text.append(value)
        joined = "".join(text)
        if split and expanded_unquoted and all(q == "" for _, q in word.parts):
            return joined.split()
        return [joined]

    def _expand_vars(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2) or match.group(3)
            if name == "?":
                return str(self.status)
            if name == "$":
                return "1"
            return self.vars.get(name, "")

        return re.sub(
            r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$([?$])", one, text
        )

    # -- files -----------------------------------------------------------------------------

    def _path(self, path: str) -> str:
        full = path if path.startswith("/") else f"{self.cwd.rstrip('/')}/{path}"
        parts: list[str] = []
        for piece in full.split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(piece)
        return "/" + "/".join(parts)

    def _read_file(self, path: str) -> bytes | None:
        return self.container.files.get(self._path(path))

    # -- commands --------------------------------------------------------------------------

    def _echo(self, args: list[str], stdin: bytes, out: Output) -> int:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        out.out(" ".join(args) + ("\n" if newline else ""))
        return 0

    def _env(self, args: list[str], stdin: bytes, out: Output) -> int:
        extra = {}
        while args and _ASSIGNMENT.fullmatch(args[0]):
            name, value = args.pop(0).split("=", 1)
            extra[name] = value
        if args:
            saved = dict(self.vars)
            self.vars.update(extra)
            try:
                return self._simple(args, stdin, out)
            finally:
                self.vars = saved
        out.out("".join(f"{k}={v}\n" for k, v in {**self.vars, **extra}.items()))
        return 0

    def _printenv(self, args: list[str], stdin: bytes, out: Output) -> int:
        if not args:
            return self._env([], stdin, out)
        status = 0
        for name in args:
            if name in self.vars:
                out.out(self.vars[name] + "\n")
            else:
                status = 1
        return status

    def _hostname(self, args: list[str], stdin: bytes, out: Output) -> int:
        out.out(self.container.pod + "\n")
        return 0

    def _inputs(
        self, tool: str, files: list[str], stdin: bytes, out: Output
    ) -> tuple[list[bytes], int]:
        """The contents of ``files`` (stdin for none or ``-``), with busybox's complaints."""
        if not files:
            return [stdin], 0
        contents: list[bytes] = []
        status = 0
        for name in files:
            if name == "-":
                contents.append(stdin)
                continue
            data = self._read_file(name)
            if data is not None:
                contents.append(data)
            elif self.container.is_dir(self._path(name)):
                out.err(f"{tool}: read error: Is a directory\n")
                status = 1
            else:
                out.err(f"{tool}: can't open '{name}': No such file or directory\n")
                status = 1
        return contents, status

    def _cat(self, args: list[str], stdin: bytes, out: Output) -> int:
        contents, status = self._inputs("cat", args, stdin, out)
        for data in contents:
            out.write(1, data)
        return status

    def _ls(self, args: list[str], stdin: bytes, out: Output) -> int:
        flags = "".join(a[1:] for a in args if a.startswith("-") and len(a) > 1)
        paths = [a for a in args if not a.startswith("-") or a == "-"] or ["."]
        status = 0
        listings: list[tuple[str, list[str]]] = []
        for path in paths:
            full = self._path(path)
            if full in self.container.files:
                listings.append(("", [path]))
            elif self.container.is_dir(full):
                names = self.container.entries(full)
                if "a" in flags:
                    names = [".", "..", *names]
                else:
                    names = [n for n in names if not n.startswith(".")]
                listings.append((path, names))
            else:
                out.err(f"ls: {path}: No such file or directory\n")
                status = 2 if len(paths) == 1 else 1
        for index, (path, names) in enumerate(listings):
            if len(listings) > 1 and path:
                out.out(("\n" if index else "") + f"{path}:\n")
            if "l" in flags:
                for name in names:
                    full = self._path(f"{path}/{name}" if path else name)
                    data = self.container.files.get(full)
                    kind, size = (
                        ("-r--r--r--", len(data)) if data is not None else ("dr-xr-xr-x", 0)
                    )
                    out.out(f"{kind}    1 root     root     {size:>8} {name}\n")
            elif self.tty and "1" not in flags:
                if names:
                    out.out("  ".join(names) + "\n")
            else:
                out.out("".join(n + "\n" for n in names))
        return status

    def _pwd(self, args: list[str], stdin: bytes, out: Output) -> int:
        out.out(self.cwd + "\n")
        return 0

    def _cd(self, args: list[str], stdin: bytes, out: Output) -> int:
        target = self._path(args[0] if args else self.vars.get("HOME", "/"))
        if not self.container.is_dir(target) and target not in ("/root", "/tmp", "/etc"):
            out.err(f"{self.name}: cd: can't cd to {args[0] if args else target}: "
                    "No such file or directory\n")  # fmt: skip
            return 2
        self.cwd = target
        return 0

    def _export(self, args: list[str], stdin: bytes, out: Output) -> int:
        for arg in args:
            if "=" in arg:
                name, value = arg.split("=", 1)
                self.vars[name] = value
        if not args:
            out.out("".join(f"export {k}='{v}'\n" for k, v in self.vars.items()))
        return 0

    def _unset(self, args: list[str], stdin: bytes, out: Output) -> int:
        for name in args:
            self.vars.pop(name, None)
        return 0

    def _exit(self, args: list[str], stdin: bytes, out: Output) -> int:
        if not args:
            raise ExitShell(self.status)
        try:
            raise ExitShell(int(args[0]) & 0xFF)
        except ValueError:
            out.err(f"{self.name}: exit: Illegal number: {args[0]}\n")
            raise ExitShell(2) from None

    def _id(self, args: list[str], stdin: bytes, out: Output) -> int:
        out.out("uid=0(root) gid=0(root) groups=0(root)\n")
        return 0

    def _whoami(self, args: list[str], stdin: bytes, out: Output) -> int:
        out.out("root\n")
        return 0

    def _command(self, args: list[str], stdin: bytes, out: Output) -> int:
        if args and args[0] in ("-v", "-V"):
            status = 0
            for name in args[1:]:
                found = self._resolve(name)
                if found is None:
                    status = 1
                elif found in BUILTINS:
                    out.out(f"{name}\n")
                else:
                    out.out(f"/bin/{found}\n" if "/" not in name else f"{name}\n")
            return status
        return self._simple(args, stdin, out) if args else 0

    def _which(self, args: list[str], stdin: bytes, out: Output) -> int:
        status = 0
        for name in args:
            found = self._resolve(name)
            if found is None or found in BUILTINS:
                status = 1
            else:
                out.out(f"/bin/{found}\n")
        return status

    def _exec(self, args: list[str], stdin: bytes, out: Output) -> int:
        if not args:
            return 0
        status = self._simple(args, stdin, out)
        if self.interactive:
            return status
        raise ExitShell(status)

    def _grep(self, args: list[str], stdin: bytes, out: Output) -> int:
        flags = ""
        while args and args[0].startswith("-") and len(args[0]) > 1:
            flags += args.pop(0)[1:]
        if not args:
            out.err("Usage: grep [-icv] PATTERN [FILE]...\n")
            return 2
        try:
            pattern = re.compile(args[0], re.I if "i" in flags else 0)
        except re.error:
            out.err(f"grep: bad regex '{args[0]}'\n")
            return 2
        contents, status = self._inputs("grep", args[1:], stdin, out)
        found = 0
        for data in contents:
            for line in data.decode(errors="replace").splitlines():
                if bool(pattern.search(line)) != ("v" in flags):
                    found += 1
                    if "c" not in flags:
                        out.out(line + "\n")
        if "c" in flags:
            out.out(f"{found}\n")
        return status or (0 if found else 1)

    def _head(self, args: list[str], stdin: bytes, out: Output) -> int:
        count = 10
        files = []
        while args:
            arg = args.pop(0)
            if arg == "-n" and args:
                arg = "-" + args.pop(0)
            if arg.startswith("-") and arg[1:].isdigit():
                count = int(arg[1:])
            else:
                files.append(arg)
        contents, status = self._inputs("head", files, stdin, out)
        for data in contents:
            out.write(1, b"".join(data.splitlines(keepends=True)[:count]))
        return status

    def _wc(self, args: list[str], stdin: bytes, out: Output) -> int:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        contents, status = self._inputs(
            "wc", [a for a in args if not a.startswith("-")], stdin, out
        )
        data = b"".join(contents)
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        shown = [counts[f] for f in "lwc" if f in flags] or list(counts.values())
        out.out(" ".join(f"{n:>9}" if len(shown) > 1 else str(n) for n in shown) + "\n")
        return status

    def _sort(self, args: list[str], stdin: bytes, out: Output) -> int:
        reverse = "-r" in args
        contents, status = self._inputs("sort", [a for a in args if a != "-r"], stdin, out)
        lines = b"".join(contents).decode(errors="replace").splitlines()
        out.out("".join(line + "\n" for line in sorted(lines, reverse=reverse)))
        return status

    def _stty(self, args: list[str], stdin: bytes, out: Output) -> int:
        if not self.tty:
            out.err("stty: standard input: Not a tty\n")
            return 1
        if args == ["size"]:
            out.out(f"{self.size[0]} {self.size[1]}\n")
        return 0

    def _tar(self, args: list[str], stdin: bytes, out: Output) -> int:
        """``tar c`` of files and directories to stdout (what ``kubectl cp POD:PATH`` runs);
        ``tar x`` meets the read-only file system (``kubectl cp`` into a pod)."""
        letters, operands, directory = "", [], self.cwd
        items = list(args)
        if items and not items[0].startswith("-"):
            letters = items.pop(0)
        while items:
            item = items.pop(0)
            if item == "-C" and items:
                directory = self._path(items.pop(0))
            elif item.startswith("-") and len(item) > 1:
                letters += item[1:]
            else:
                operands.append(item)
        if "f" in letters and operands and operands[0] == "-":
            operands = operands[1:]
        if "x" in letters:
            out.err(f"tar: can't create files in {directory}: Read-only file system\n")
            return 1
        if "c" not in letters:
            out.err("tar: need at least one of 'ctx'\n")
            return 1
        buffer = io.BytesIO()
        status = 0
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
            for operand in operands:
                full = self._path(operand if operand.startswith("/") else f"{directory}/{operand}")
                name = operand.lstrip("/") if operand.startswith("/") else operand
                if operand.startswith("/"):
                    out.err("tar: removing leading '/' from member names\n")
                if not self._archive(archive, full, name):
                    out.err(f"tar: {operand}: No such file or directory\n")
                    status = 1
        out.write(1, buffer.getvalue())
        return status

    def _archive(self, archive: tarfile.TarFile, full: str, name: str) -> bool:
        data = self.container.files.get(full)
        if data is not None:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
            return True
        if not self.container.is_dir(full):
            return False
        info = tarfile.TarInfo(name.rstrip("/") or ".")
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(info)
        for entry in self.container.entries(full):
            self._archive(archive, f"{full.rstrip('/')}/{entry}", f"{name.rstrip('/')}/{entry}")
        return True

    def _sh(self, name: str, args: list[str], stdin: bytes, out: Output) -> int:
        """``sh -c SCRIPT [NAME [ARG...]]`` runs in a child shell; ``sh`` alone (or with
        ``-i``/``-l``) makes this session an interactive shell reading stdin."""
        if "-c" in args:
            script_at = args.index("-c") + 1
            if script_at >= len(args):
                out.err(f"{self.name}: -c requires an argument\n")
                return 2
            child = Shell(self.container, tty=self.tty, name=name)
            child.vars = dict(self.vars)
            child.cwd = self.cwd
            child.size = self.size
            result = child.run_line(args[script_at], stdin)
            for fd, data in result.chunks:
                out.write(fd, data)
            if child.interactive:
                self._take_over(child)
            return child.status
        self.name = name
        self.interactive = True
        return 0

    def _take_over(self, child: Shell) -> None:
        self.name = child.name
        self.vars = child.vars
        self.cwd = child.cwd
        self.interactive = True


@dataclass
class LineDiscipline:
    """The terminal side of a tty: turns raw keystrokes into lines, echoing as a cooked
    terminal does (erase with DEL/BS, Ctrl+U kills the line, Ctrl+C interrupts, Ctrl+D on an
    empty line is end of input); arrow keys and other escape sequences are ignored."""

    buffer: str = ""
    _escape: str = ""

    def feed(self, data: bytes) -> tuple[bytes, list[str | None]]:
        """(echo to write back, events): a line, ``""`` after Ctrl+C, None for end of input."""
        echo: list[str] = []
        events: list[str | None] = []
        for ch in data.decode("utf-8", "replace"):
            if self._escape:
                self._escape += ch
                if len(self._escape) > 1 and (ch.isalpha() or ch == "~" or len(self._escape) > 8):
                    self._escape = ""
                continue
            if ch == "\x1b":
                self._escape = ch
            elif ch in "\r\n":
                echo.append("\r\n")
                events.append(self.buffer)
                self.buffer = ""
            elif ch in "\x7f\x08":
                if self.buffer:
                    self.buffer = self.buffer[:-1]
                    echo.append("\b \b")
            elif ch == "\x15":
                echo.append("\b \b" * len(self.buffer))
                self.buffer = ""
            elif ch == "\x03":
                echo.append("^C\r\n")
                self.buffer = ""
                events.append("")
            elif ch == "\x04":
                if not self.buffer:
                    events.append(None)
            elif ch >= " " or ch == "\t":
                self.buffer += ch
                echo.append(ch)
        return "".join(echo).encode(), events
