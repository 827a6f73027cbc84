"""The Flask application factory."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask, Response, current_app
from flask_smorest import Api
from werkzeug.routing import IntegerConverter, ValidationError

from application.identity.throttle import LoginThrottle
from application.shared import positions
from interfaces.container import Container
from interfaces.http import errors, operations
from interfaces.http.auth import JwtCodec
from interfaces.http.blueprints import all_blueprints
from interfaces.http.schemas import ErrorSchema
from interfaces.settings import Settings
from interfaces.web.app import register as register_web

log = logging.getLogger("codeannals.http")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only non-negative 64-bit integers."""

    regex = r"\d{1,19}"

    def to_python(self, value: str) -> Any:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


MAX_ID = 2**63 - 1


def _int_schema(converter: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


class CodeAnnalsApi(Api):
    """flask-smorest's Api, documenting the error bodies every family really sends."""

    ERROR_SCHEMA = ErrorSchema


def package_version() -> str:
    try:
        return version("codeannals")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None, container: Container | None = None,
               start: bool = True) -> Flask:
    """Build the server. ``container`` may be given (tests share one); otherwise it is built from
    ``settings`` (default: the environment) and started: read models set up and caught up, the
    projection runner and the workers running in this process unless the settings say otherwise."""
    settings = settings or (container.settings if container else Settings.from_env())
    container = container or Container(settings)
    if start:
        container.hold_storage()
        container.start()

    app = Flask("codeannals")
    # Ids in paths are 64-bit: anything longer is no route (404), never an overflow in the database.
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.update(
        API_TITLE="Code Annals",
        API_VERSION=package_version(),
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/ui/vendor/swagger-ui/",  # served from the swagger-ui-bundle package
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["codeannals"] = container
    app.extensions["codeannals.jwt"] = JwtCodec(
        container.secret_key, settings.access_token_minutes, settings.refresh_token_days
    )
    app.extensions["codeannals.login_throttle"] = LoginThrottle(
        settings.login_failures_per_user, settings.login_failures_per_address, settings.login_window_seconds
    )
    description = ("coderadar, Projektor, Testery and Copr API 2 in one server.\n\n"
                   + operations.access_summary(settings))
    api = CodeAnnalsApi(app, spec_kwargs={"info": {"description": description}})
    api.register_converter(BoundedIntConverter, _int_schema)
    for blueprint in all_blueprints():
        api.register_blueprint(blueprint)
    errors.register(app)
    register_web(app)
    operations.install(app, api, settings)

    @app.before_request
    def begin_unit_of_work() -> None:
        positions.begin()

    @app.after_request
    def wait_for_read_models(response: Response) -> Response:
        written = positions.collected()
        if written and response.status_code < 400:
            ok = current_app.extensions["codeannals"].runner.wait_for(written, settings.read_wait_seconds)
            if not ok:
                # The command succeeded; its effects are not visible in every view yet.
                response.headers["X-Read-Models"] = "pending"
        return response

    @app.after_request
    def no_content_is_empty(response: Response) -> Response:
        if response.status_code == 204:
            # No body, so no content type (Flask's default would be text/html).
            response.set_data(b"")
            response.headers.pop("Content-Type", None)
            response.headers.pop("Content-Length", None)
        return response

    @app.teardown_appcontext
    def _noop(_: BaseException | None) -> None:
        return None

    return app


def shutdown(app: Flask) -> None:
    container: Container = app.extensions["codeannals"]
    container.close()


def app_container(app: Flask | Any) -> Container:
    container: Container = app.extensions["codeannals"]
    return container
