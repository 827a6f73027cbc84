"""Schema bases shared by every API family."""

from __future__ import annotations

from marshmallow import EXCLUDE, INCLUDE, Schema, fields


class RequestSchema(Schema):
    """Request bodies ignore fields they do not know, as the real clients expect."""

    class Meta:
        unknown = EXCLUDE


class ErrorSchema(Schema):
    """Every error body, whichever API family answers: coderadar ``errorMessage``, Copr ``message``
    and ``data``, Projektor ``error_message`` (and ``id``), Testery ``message``."""

    class Meta:
        unknown = INCLUDE

    errorMessage = fields.String(metadata={"description": "coderadar: what went wrong"})
    message = fields.String(metadata={"description": "Copr and Testery: what went wrong"})
    data = fields.Dict(metadata={"description": "Copr: details"})
    error_message = fields.String(metadata={"description": "Projektor: what went wrong"})
    id = fields.String(metadata={"description": "Projektor: the test run id"})
