"""Request and response shapes of coderadar's user endpoints (seed sections 2.1 to 2.4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.schemas import RequestSchema


class RegistrationSchema(RequestSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000))


class CreatedSchema(Schema):
    id = fields.Integer(required=True)


class LoginSchema(RequestSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000))


class LoginResultSchema(Schema):
    accessToken = fields.String(required=True)
    refreshToken = fields.String(required=True)
    userId = fields.Integer(required=True)
    platformAdmin = fields.Boolean(required=True)


class RefreshSchema(RequestSchema):
    accessToken = fields.String(validate=validate.Length(max=4000))
    refreshToken = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class RefreshResultSchema(Schema):
    token = fields.String(required=True)


class PasswordChangeSchema(RequestSchema):
    refreshToken = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    newPassword = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000))


class UserSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    platformAdmin = fields.Boolean(required=True, attribute="platform_admin")


class AdminQuerySchema(RequestSchema):
    isAdmin = fields.Boolean(required=True)


class TokenRequestSchema(RequestSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TokenCreatedSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    token = fields.String(required=True)


class TokenInfoSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    createdAt = fields.String(required=True, attribute="created_at")
