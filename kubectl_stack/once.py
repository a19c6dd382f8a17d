"""``kubectl stack --once``: the stacks table printed once as plain text, for scripts and smoke
tests. No Textual on this path.

Connects as kubectl would (:mod:`kubectl_stack.kube`), waits for the first list of every kind
the summary reads, prints one row per workload from :func:`kubectl_stack.model.stack.summarize`
in its order (most urgent first) and exits 0. A terminal without UTF-8 (``--ascii``, the
config file's ``ascii``, ``LANG=C``, ``TERM=linux``) gets ASCII only, in the app's words for its
symbols (``ok3 R1``, ``3->3``). ``-l`` keeps the workloads, of every kind, that the API server
selects with that label selector (as the stacks list does); a STACK argument keeps that one,
named as kubectl names it (``NAME``, or ``TYPE/NAME``: ``sts/db``, ``deployment.apps/web``); a
bare name that more than one kind has is refused, naming them. A cluster that cannot be used
(bad kubeconfig, unreachable, refused) is one ``error:`` line on stderr and exit status 1. A
workload kind the user may not list leaves its rows out, says so in an ``error:`` line on
stderr after the table and makes the exit status 1, as ``kubectl get deploy,sts,ds`` does.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TextIO

from .glyphs import ascii_text
from .kinds import DEFAULT_WORKLOAD, parse_workload
from .kube import kinds as K
from .kube.connection import ApiError, Connection, ConnectionFailed, connect
from .kube.informers import Informers
from .kube.kubeconfig import parse_request_timeout
from .kube.kubectl import resource
from .kube.store import ClusterState, SyncState
from .model.stack import KINDS, StackRow, summarize
from .model.visible import visible
from .options import Options
from .settings import load_settings

# The first list of every kind must arrive within this (or --request-timeout, if longer).
SYNC_TIMEOUT = 30.0
# Store notifications a second at most: nothing is drawn, so nothing to coalesce for. At the
# store's default (10/s) the last kind's sync was seen up to 100 ms late (110 ms of --once's
# 0.45 s on the seed scenario).
NOTIFY_RATE = 10_000.0

COLUMNS = ("NAME", "ROLLOUT", "READY", "UP-TO-DATE", "AVAILABLE", "PODS", "HPA", "AGE")


class OnceError(Exception):
    """Why the table cannot be printed, in one line."""


def _line(exc: ApiError | ConnectionFailed) -> str:
    return exc.kubectl_message() if isinstance(exc, ApiError) else exc.message


def _cells(row: StackRow) -> list[str]:
    hpa = f"{row.hpa_targets} {row.hpa_replicas}" if row.hpa_replicas else row.hpa_targets
    return [
        row.display_name,
        row.rollout_label,
        row.ready,
        str(row.up_to_date),
        str(row.available),
        row.pods_text,
        hpa,
        row.age,
    ]


def format_table(rows: Sequence[StackRow], *, all_namespaces: bool, ascii: bool = False) -> str:
    """The table as kubectl prints one: upper-case headers, columns padded by three spaces.
    Cluster strings are printed through the sanitiser: no control character reaches stdout;
    with ``ascii``, no byte above 0x7F either."""
    header = ["NAMESPACE", *COLUMNS] if all_namespaces else list(COLUMNS)
    lines = [header]
    shown = (lambda text: ascii_text(visible(text))) if ascii else visible
    for row in rows:
        cells = _cells(row)
        lines.append([shown(c) for c in ([row.namespace, *cells] if all_namespaces else cells)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "".join(
        "   ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in lines
    )


async def _selected(
    connection: Connection,
    namespace: str | None,
    selector: str,
    rows: tuple[StackRow, ...],
    workloads: Sequence[K.Kind],
) -> tuple[StackRow, ...]:
    """The rows whose workload (of any of the ``workloads`` kinds) matches the label
    ``selector``, as the API server reads it (kubectl's -l syntax, and its error for a bad
    one): the rows the stacks list keeps with ``-l``."""
    chosen: set[tuple[str, Any, Any]] = set()
    for kind in workloads:
        try:
            listing = await connection.get_json(kind.path(namespace), {"labelSelector": selector})
        except (ApiError, ConnectionFailed) as exc:
            raise OnceError(_line(exc)) from exc
        items = listing.get("items") if isinstance(listing, dict) else None
        chosen.update(
            (kind.kind, meta.get("namespace"), meta.get("name"))
            for meta in (
                item.get("metadata") or {} for item in items or [] if isinstance(item, dict)
            )
        )
    return tuple(r for r in rows if (r.kind, r.namespace, r.name) in chosen)


async def collect(options: Options) -> tuple[tuple[StackRow, ...], str | None, list[str]]:
    """The summary rows in scope, the namespace they come from (None = all namespaces), and
    the refusals of the workload kinds that could not be listed (their rows are missing).

    Raises :class:`OnceError` when the cluster cannot be used or no workload kind listed.
    """
    try:
        wanted = None if options.stack is None else parse_workload(options.stack)
    except ValueError as exc:
        raise OnceError(str(exc)) from exc
    try:
        connection = await connect(options.connection)
    except ConnectionFailed as exc:
        raise OnceError(exc.message) from exc
    try:
        namespace = None if options.all_namespaces else connection.namespace
        state = ClusterState(max_rate=NOTIFY_RATE)
        # What the summary reads, every workload kind included (a registered one too); not
        # the revision objects, which no cell of the table needs (reading ControllerRevisions
        # too doubled --once's time on helm-argo, 0.10 s to 0.20 s, for the same table).
        kinds = [k for k in K.WATCHED if k.name in KINDS or k.workload]
        informers = Informers(connection, state, namespace, kinds=kinds)
        timeout = max(SYNC_TIMEOUT, parse_request_timeout(options.connection.request_timeout) or 0)
        try:
            await informers.start()
            synced = await informers.wait_synced(timeout)
        except (ApiError, ConnectionFailed) as exc:
            raise OnceError(_line(exc)) from exc
        finally:
            await informers.stop()
        listed = {k.name: state.status(k.name) for k in kinds if k.workload}
        if not synced or any(s.state is SyncState.PENDING for s in listed.values()):
            raise OnceError(f"timed out after {timeout:g}s waiting for the cluster's objects")
        if all(s.state is not SyncState.SYNCED for s in listed.values()):
            # No workload kind could be listed: the first one's refusal (Deployments').
            name, first = next(iter(listed.items()))
            raise OnceError(first.message or f"{name}: {first.state.value}")
        refused = {
            name: s.message or f"{name}: {s.state.value}"
            for name, s in listed.items()
            if s.state is not SyncState.SYNCED
        }
        if wanted is not None and wanted[0] is not None:
            # One kind asked for: only its refusal matters.
            if wanted[0].name in refused:
                raise OnceError(refused[wanted[0].name])
            refused = {}
        # A kind that could not be listed stays out of the snapshot: the model then reports
        # nothing missing because of it, rather than everything.
        snapshot: dict[str, Any] = {
            kind.name: state.objects(kind.name)
            for kind in kinds
            if state.status(kind.name).state is SyncState.SYNCED
        }
        rows = summarize(snapshot, time.time())
        if options.selector:
            workloads = [k for k in kinds if k.workload and k.name in snapshot]
            rows = await _selected(connection, namespace, options.selector, rows, workloads)
    finally:
        await connection.close()
    if wanted is not None:
        rows = _the_stack(rows, *wanted)
    return rows, namespace, list(refused.values())


def _the_stack(rows: tuple[StackRow, ...], kind: K.Kind | None, name: str) -> tuple[StackRow, ...]:
    """The rows of the workload ``name`` of ``kind`` (None: of whichever kind has it, as long
    as only one does); in all namespaces, one row per namespace."""
    found = tuple(r for r in rows if r.name == name and (kind is None or r.kind == kind.kind))
    if not found:
        raise OnceError(f'{resource(kind or DEFAULT_WORKLOAD)} "{name}" not found')
    kinds = sorted({r.kind for r in found})
    if len(kinds) > 1:
        named = ", ".join(f"{k.lower()}/{name}" for k in kinds)
        raise OnceError(f'"{name}" names more than one workload: {named} (say which, as TYPE/NAME)')
    return found


def run_once(options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the stacks table for ``options``; returns the exit status (0, or 1 with one
    ``error:`` line on stderr). With ``--demo`` the table is the scenario's converged state
    on an embedded cluster started for the purpose."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not options.ascii and load_settings().ascii:
        options = replace(options, ascii=True)
    say = ascii_text if options.ascii else str
    if options.demo is not None:
        from .demo import DemoError, start_demo

        try:
            sim, demo_options = start_demo(options, live=False)
        except DemoError as exc:
            err.write(say(f"error: {exc}\n"))
            return 1
        with sim:
            return run_once(demo_options, out, err)
    try:
        rows, namespace, refused = asyncio.run(collect(options))
    except OnceError as exc:
        # Server messages quote cluster strings (names, selectors) back.
        err.write(say(f"error: {visible(exc)}\n"))
        return 1
    if rows:
        out.write(format_table(rows, all_namespaces=namespace is None, ascii=options.ascii))
    elif not refused:
        where = "any namespace" if namespace is None else f"{namespace} namespace"
        err.write(f"No resources found in {where}.\n")
    # As kubectl get deployments,daemonsets prints what it may list and fails for the rest.
    for message in refused:
        err.write(say(f"error: {visible(message)}\n"))
    return 1 if refused else 0
