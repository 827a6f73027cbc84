"""Vendor files served from the installed packages (never copied into the repository, never a CDN):
plotly.js from ``plotly``, Swagger UI from ``swagger-ui-bundle``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

blp = Blueprint("web_assets", __name__)

SWAGGER_UI_URL = "/ui/vendor/swagger-ui/"
_MAX_AGE = 86400


def plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


@blp.route("/ui/vendor/plotly.min.js")
def plotly_js() -> Response:
    return send_from_directory(plotly_dir(), "plotly.min.js", max_age=_MAX_AGE, mimetype="text/javascript")


@blp.route("/ui/vendor/swagger-ui/<path:name>")
def swagger_ui(name: str) -> Response:
    if not name.endswith((".js", ".css", ".png", ".map")):
        abort(404)
    return send_from_directory(swagger_dir(), name, max_age=_MAX_AGE)


@blp.route("/ui/pygments.css")
def pygments_css() -> Response:
    from interfaces.web.highlight import stylesheet

    response = Response(stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = f"max-age={_MAX_AGE}"
    return response
