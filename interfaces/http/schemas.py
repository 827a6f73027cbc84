"""Schema bases shared by every API family."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema


class RequestSchema(Schema):
    """Request bodies ignore fields they do not know, as the real clients expect."""

    class Meta:
        unknown = EXCLUDE


class ErrorSchema(Schema):
    class Meta:
        unknown = EXCLUDE
