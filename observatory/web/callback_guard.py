"""The shape of a Dash callback request, checked before Dash reads it.

Dash indexes into the body of ``POST /_dash-update-component`` as its renderer sends it (an object
with ``output``, ``outputs``, ``inputs``, ``state`` and ``changedPropIds``). A body of another
shape (``null``, a list, ``inputs`` a number, a JSON nested 100,000 deep...) would raise deep
inside Dash and answer 500; here it gets 400 "Requête invalide / bad request", logged as a
warning without a trace. A value of the wrong type inside a well-formed body is each callback's
business (it treats it as missing).
"""

from __future__ import annotations

import traceback

from flask import Flask, Response, current_app, request

CALLBACK_PATH = "/_dash-update-component"
# Errors that a request Dash cannot read raises while being served (a wrong type, a missing item,
# nesting deeper than Python's recursion limit): the request's fault, not the server's.
MALFORMED_ERRORS: tuple[type[Exception], ...] = (
    KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError,
)  # fmt: skip

JSON_TYPES = {type(None): "null", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def bad_request() -> Response:
    """The answer to a request that cannot be used: 400, plain text, no trace."""
    return Response("Requête invalide / bad request", status=400, mimetype="text/plain")


def is_callback_request() -> bool:
    """Whether the current request is a Dash callback (under any path prefix)."""
    return request.path.endswith(CALLBACK_PATH)


def body_problem(body: object) -> str | None:
    """What is wrong with the shape of a callback body, or None when Dash can read it."""
    if not isinstance(body, dict):
        return f"the body is a JSON {JSON_TYPES.get(type(body), 'value')}, not an object"
    if not isinstance(body.get("output"), str):
        return "'output' is not a string"
    outputs = body.get("outputs", [])
    if not (_dependencies(outputs) or isinstance(outputs, list) and all(_dependencies(o) for o in outputs)):
        return "'outputs' is not a dependency or a list of them"
    for name in ("inputs", "state"):
        value = body.get(name, [])
        if not isinstance(value, list) or not all(_dependencies(v) for v in value):
            return f"'{name}' is not a list of dependencies"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' is not a list of strings"
    return None


def _dependency(value: object) -> bool:
    """``{"id": "url" or {"type": ..., "name": ...}, "property": "search", "value": ...}``."""
    if not isinstance(value, dict):
        return False
    return isinstance(value.get("id"), str | dict) and isinstance(value.get("property"), str)


def _dependencies(value: object) -> bool:
    """A dependency, or the list of a pattern-matching one (``ALL``: one per matching component)."""
    return _dependency(value) or isinstance(value, list) and all(_dependency(v) for v in value)


def where(exc: BaseException) -> str:
    """Where an exception was raised (file and line of the innermost frame), for a one-line log."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def check_callback_body() -> Response | None:
    """``before_request``: 400 for a callback request whose body Dash could not read, else nothing."""
    if request.method != "POST" or not is_callback_request():
        return None
    try:
        # Flask keeps the parsed body: Dash's own get_json() reads this one. A malformed JSON or
        # another content type raises its 400 or 415 from here.
        body = request.get_json()
    except RecursionError:
        problem: str | None = "JSON nested too deeply"
    else:
        problem = body_problem(body)
    if problem is None:
        return None
    current_app.logger.warning("bad callback request: %s", problem)
    return bad_request()


def register_callback_guard(server: Flask) -> None:
    """Check the shape of every callback request before Dash reads it."""
    server.before_request(check_callback_body)
