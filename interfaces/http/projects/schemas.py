"""Request and response shapes of coderadar's project resources (seed sections 2.4, 3.1 to 3.5, 4.1, 8)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.identity.schemas import CreatedSchema, UserSchema
from interfaces.http.schemas import RequestSchema

__all__ = ["CreatedSchema", "UserSchema"]


class ProjectCreateSchema(RequestSchema):
    """A new project; loaded with the attribute names of :class:`application.projects.service.NewProject`."""

    name = fields.String(required=True, validate=validate.Length(max=1000))
    vcs_url = fields.String(data_key="vcsUrl", required=True, validate=validate.Length(max=5000))
    vcs_username = fields.String(data_key="vcsUsername", allow_none=True, validate=validate.Length(max=5000))
    vcs_password = fields.String(data_key="vcsPassword", allow_none=True, load_only=True,
                                 validate=validate.Length(max=5000))
    vcs_online = fields.Boolean(data_key="vcsOnline", allow_none=True)
    start_date = fields.Raw(data_key="startDate", allow_none=True,
                            metadata={"description": "ISO-8601 text or epoch milliseconds"})
    default_branch = fields.String(data_key="defaultBranch", allow_none=True, validate=validate.Length(max=1000))


class ProjectUpdateSchema(ProjectCreateSchema):
    """Fields left out stay as they are. ``vcsPassword`` null (as every GET answers it) keeps the stored
    password; an empty string clears it."""

    name = fields.String(validate=validate.Length(max=1000))
    vcs_url = fields.String(data_key="vcsUrl", validate=validate.Length(max=5000))


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    vcs_username = fields.String(data_key="vcsUsername", allow_none=True)
    vcs_password = fields.String(data_key="vcsPassword", allow_none=True,
                                 metadata={"description": "never returned: always null"})
    vcs_url = fields.String(data_key="vcsUrl", required=True)
    start_date = fields.String(data_key="startDate", allow_none=True,
                               metadata={"description": "2022-03-24T08:21:52.742+0000"})
    default_branch = fields.String(data_key="defaultBranch", allow_none=True)


class ProjectWithRolesSchema(Schema):
    project = fields.Nested(ProjectSchema, required=True)
    roles = fields.List(fields.String(), required=True)


class AsOfQuerySchema(RequestSchema):
    asOf = fields.String(metadata={"description": "ISO-8601 time or epoch milliseconds: the state as it stood then"})


class ModuleRequestSchema(RequestSchema):
    path = fields.String(required=True, validate=validate.Length(max=5000))


class ModuleSchema(Schema):
    id = fields.Integer(required=True)
    path = fields.String(required=True)


class FilePatternRequestSchema(RequestSchema):
    pattern = fields.String(required=True, validate=validate.Length(max=5000))
    inclusionType = fields.String(required=True, metadata={"description": "INCLUDE or EXCLUDE"})


class FilePatternSchema(Schema):
    id = fields.Integer(required=True)
    pattern = fields.String(required=True)
    inclusionType = fields.String(required=True)


class AnalyzerRequestSchema(RequestSchema):
    analyzerName = fields.String(required=True, validate=validate.Length(max=1000))
    enabled = fields.Boolean(load_default=True)
    parameters = fields.Dict(
        keys=fields.String(), load_default=None, allow_none=True,
        metadata={"description": "analyzer parameters (see the analyzer catalog); optional"},
    )


class AnalyzerConfigurationSchema(Schema):
    id = fields.Integer(required=True)
    analyzerName = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    parameters = fields.Dict(metadata={"description": "only present when the configuration has parameters"})


class RoleRequestSchema(RequestSchema):
    role = fields.String(required=True, metadata={"description": "ADMIN or MEMBER"})


class TeamRequestSchema(RequestSchema):
    name = fields.String(required=True, validate=validate.Length(max=1000))
    userIds = fields.List(fields.Integer(), allow_none=True, validate=validate.Length(max=10000))


class ElementsSchema(RequestSchema):
    elements = fields.List(fields.Integer(), required=True, validate=validate.Length(max=10000))


class TeamSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    members = fields.List(fields.Nested(UserSchema), required=True)


class HistoryQuerySchema(RequestSchema):
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))


class HistoryEventSchema(Schema):
    position = fields.Integer(required=True)
    time = fields.String(required=True)
    actor = fields.String(required=True)
    type = fields.String(required=True)
    changes = fields.Dict(required=True)
