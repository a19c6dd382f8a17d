"""ListOptions as the API server reads and validates them before a list or a watch.

Ports ``ValidateListOptions`` (k8s.io/apimachinery pkg/apis/meta/internalversion/validation,
WatchList enabled as on a 1.34+ server): a combination it refuses is a 422 ``Invalid`` for
``ListOptions.meta.k8s.io ""`` with one cause per problem, in its order and words. Boolean
parameters are parsed as Go's strconv.ParseBool does (a bad one is a 400).
"""

from __future__ import annotations

from .errors import bad_request, invalid

NOT_OLDER_THAN = "NotOlderThan"
EXACT = "Exact"

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(params: dict[str, str], key: str) -> bool | None:
    """The query parameter as strconv.ParseBool reads it; None when absent."""
    value = params.get(key)
    if value is None:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_request(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _forbidden(field: str, detail: str) -> dict[str, str]:
    return {"reason": "FieldValueForbidden", "message": f"Forbidden: {detail}", "field": field}


def _not_supported(field: str, value: str, supported: tuple[str, ...]) -> dict[str, str]:
    listed = ", ".join(f'"{s}"' for s in supported)
    return {
        "reason": "FieldValueNotSupported",
        "message": f'Unsupported value: "{value}": supported values: {listed}',
        "field": field,
    }


def validate(params: dict[str, str], *, watch: bool) -> None:
    """Raise the API server's 422 for a refused combination of list or watch options."""
    match = params.get("resourceVersionMatch", "")
    send_initial = parse_bool(params, "sendInitialEvents")
    causes: list[dict[str, str]] = []
    field = "resourceVersionMatch"
    if watch:
        if send_initial is not None and match != NOT_OLDER_THAN:
            causes.append(
                _forbidden(field, f"sendInitialEvents requires setting {field} to {NOT_OLDER_THAN}")
            )
        if match:
            if send_initial is None:
                causes.append(
                    _forbidden(
                        field,
                        f"{field} is forbidden for watch unless sendInitialEvents is provided",
                    )
                )
            if match != NOT_OLDER_THAN:
                causes.append(_not_supported(field, match, (NOT_OLDER_THAN,)))
            if params.get("continue"):
                causes.append(_forbidden(field, f"{field} is forbidden when continue is provided"))
    else:
        if match:
            if not params.get("resourceVersion"):
                causes.append(
                    _forbidden(field, f"{field} is forbidden unless resourceVersion is provided")
                )
            if params.get("continue"):
                causes.append(_forbidden(field, f"{field} is forbidden when continue is provided"))
            if match not in (EXACT, NOT_OLDER_THAN):
                causes.append(_not_supported(field, match, (EXACT, NOT_OLDER_THAN, "")))
            if match == EXACT and params.get("resourceVersion") == "0":
                causes.append(
                    _forbidden(field, f'{field} "exact" is forbidden for resourceVersion "0"')
                )
        if send_initial is not None:
            causes.append(
                _forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
            )
    if causes:
        raise invalid("ListOptions", "meta.k8s.io", "", causes)


def watch_list(params: dict[str, str]) -> tuple[bool, bool]:
    """(send initial events, end them with the ``k8s.io/initial-events-end`` bookmark) for a
    valid watch: sendInitialEvents defaults to true for resourceVersion "" or "0" (the old
    synthetic ADDED events) and false otherwise; the closing bookmark is a WatchList answer,
    sent only when asked for with allowWatchBookmarks."""
    asked = parse_bool(params, "sendInitialEvents")
    rv = params.get("resourceVersion", "")
    send = asked if asked is not None else rv in ("", "0")
    bookmarks = parse_bool(params, "allowWatchBookmarks") is True
    return send, bool(asked) and bookmarks
