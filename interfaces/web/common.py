"""What every page module shares: the blueprint, rendering, the error pages (401 -> sign-in, 403 and
404 -> a plain page), paging and display filters."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from domain.shared.errors import DomainError, Forbidden, NotFound, Unauthenticated
from interfaces.http.auth import Principal
from interfaces.web import session as web_session
from projections.store import ReadStore

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/ui/static")

PAGE_SIZE = 50


def store() -> ReadStore:
    s: ReadStore = current_app.extensions["codeannals"].store
    return s


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = current_app.response_class(render_template(template, **context), status=status,
                                          mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-eval'; frame-ancestors 'none'"
    )
    return response


def require_signed_in() -> Principal:
    principal = web_session.load_principal()
    if principal is None:
        raise Unauthenticated("sign in to see this page")
    return principal


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def page_url(number: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    args["page"] = str(number)
    return f"{request.path}?{urlencode(args)}"


def error_page(exc: DomainError | HTTPException) -> Response:
    """A domain error or an HTTP error as a page: 401 sends the browser to sign in."""
    if isinstance(exc, Unauthenticated):
        target = request.full_path.rstrip("?") if request.method == "GET" else "/"
        return redirect(url_for("web.sign_in", next=target))  # type: ignore[return-value]
    if isinstance(exc, DomainError):
        status = 403 if isinstance(exc, Forbidden) else 404 if isinstance(exc, NotFound) else (
            409 if type(exc).__name__ == "Conflict" else 400)
        title = {403: "Not allowed", 404: "Not found", 409: "Conflict"}.get(status, "Not accepted")
        return page("error.html", status=status, title=title, message=exc.message, code=status)
    status = exc.code or 500
    title = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 400: "Bad request"}.get(status, "Error")
    return page("error.html", status=status, title=title, message=exc.description or exc.name, code=status)


def unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException | DomainError):
        return error_page(exc)
    current_app.logger.exception("web page failed: %s", request.path)
    return page("error.html", status=500, title="Something went wrong",
                message="The page could not be shown. The error was logged.", code=500)


@blp.before_request
def _signed_in_and_checked() -> None:
    web_session.load_principal()
    web_session.check_csrf()


blp.register_error_handler(DomainError, error_page)
blp.register_error_handler(HTTPException, error_page)
blp.register_error_handler(Exception, unexpected)


# --- display filters --------------------------------------------------------------------------------
def when(millis: Any) -> str:
    if millis is None or millis == "":
        return ""
    if isinstance(millis, str):
        return millis.replace("T", " ")[:19]
    return datetime.fromtimestamp(int(millis) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def seconds(ms: Any) -> str:
    if ms is None:
        return ""
    value = float(ms) / 1000
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def percent(covered: Any, missed: Any) -> str:
    total = int(covered or 0) + int(missed or 0)
    return "" if total == 0 else f"{100.0 * int(covered or 0) / total:.1f}%"


def json_data(value: Any) -> Markup:
    """JSON to embed in ``<script type="application/json">``: ``<``, ``>``, ``&`` escaped, so no payload
    closes the element."""
    text = json.dumps(value, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "seconds": seconds, "percent": percent,
                                          "json_data": json_data}


def subject_of(message: str) -> str:
    return (message or "").split("\n", 1)[0][:200]


LINE_METRIC_PREFIX = "coderadar:size:loc:"


def preferred_metric(metrics: list[str], *hints: str) -> str | None:
    """The first metric containing the first hint that any metric contains; else the first metric."""
    for hint in hints:
        for metric in metrics:
            if hint in metric:
                return metric
    return metrics[0] if metrics else None


def area_metric(metrics: list[str]) -> str | None:
    return preferred_metric(metrics, LINE_METRIC_PREFIX, ":sloc:", ":loc")


def colour_metric(metrics: list[str], area: str | None) -> str | None:
    others = [m for m in metrics if m != area]
    return preferred_metric(others, "complexity", "markers:todo", ":cloc:") or area


def actor_names(actors: list[str]) -> dict[str, str]:
    """``user:N`` actors by username (``token:N`` by the token's owner), others as they are."""
    from projections.identity import queries as identity

    out: dict[str, str] = {}
    for actor in set(actors):
        kind, _, number = actor.partition(":")
        if kind == "user" and number.isdigit():
            user = identity.user_by_id(store(), int(number))
            out[actor] = user["username"] if user else actor
        else:
            out[actor] = actor
    return out
