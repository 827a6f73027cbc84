"""Wires the web interface into the Flask app: session cookie, CSRF check, template helpers, the page
blueprints, the vendor files, and the run page answering browsers at ``/tests/{publicId}``."""

from __future__ import annotations

import re

from flask import Flask, Response, request

from interfaces.web import session as web_session
from interfaces.web.common import FILTERS, blp

_RUN_PAGE = re.compile(r"^/tests/([A-Za-z0-9]{1,64})/?$")


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def register(app: Flask) -> None:
    from interfaces.web import account, behaviour, builds, home, projects, quality, tests  # noqa: F401  (their routes)
    from interfaces.web.assets import blp as assets

    web_session.configure(app, app.extensions["codeannals"].secret_key)
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(web_session.template_globals())
    app.register_blueprint(blp)
    app.register_blueprint(assets)

    @app.before_request
    def _run_page_for_browsers() -> Response | None:
        match = _RUN_PAGE.match(request.path)
        if match is None or request.method != "GET" or not wants_html():
            return None
        web_session.load_principal()
        return tests.run_page_response(match.group(1))
