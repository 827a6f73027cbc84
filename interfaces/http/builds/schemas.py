"""Request and response shapes of Copr API 2 (compat.md section 3; the real client is copr==1.112).

Request bodies ignore fields they do not know (the client sends keys it expects the server to ignore,
such as ``id``, ``owner`` or ``last_modified`` on a project update) and accept null where the client
sends null. Responses carry exactly the fields the client knows: it refuses any other."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.builds.states import REPORTABLE, STATES
from interfaces.http.builds.common import CoprBoolean
from interfaces.http.schemas import RequestSchema

TEXT = validate.Length(max=10000)


class CoprLinkSchema(Schema):
    href = fields.String(required=True)


def _links() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Nested(CoprLinkSchema), required=True,
        attribute="_links", data_key="_links",
        metadata={"description": "HATEOAS relations; every href is path-absolute (/api_2/...)"},
    )


class CoprRootSchema(Schema):
    _links_ = _links()


# --- projects -------------------------------------------------------------------------------------
class CoprProjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "username of the project's creator"})
    is_a_group_project = fields.Boolean(required=True)
    group = fields.String(allow_none=True)
    description = fields.String(required=True)
    instructions = fields.String(required=True)
    homepage = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    disable_createrepo = fields.Boolean(required=True)
    build_enable_net = fields.Boolean(required=True)
    repos = fields.List(fields.String(), required=True)


class CoprProjectChrootSchema(Schema):
    name = fields.String(required=True)
    buildroot_pkgs = fields.List(fields.String(), required=True)
    comps = fields.String(allow_none=True)
    comps_name = fields.String(allow_none=True)
    comps_len = fields.Integer(required=True)


class CoprProjectChrootEnvelopeSchema(Schema):
    chroot = fields.Nested(CoprProjectChrootSchema, required=True)
    _links_ = _links()


class CoprProjectChrootListSchema(Schema):
    chroots = fields.List(fields.Nested(CoprProjectChrootEnvelopeSchema), required=True)
    _links_ = _links()


class CoprBuiltPackageSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)


class CoprBuildSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": list(STATES)})
    submitter = fields.String(required=True)
    built_packages = fields.List(fields.Nested(CoprBuiltPackageSchema), required=True)
    package_version = fields.String(allow_none=True)
    package_name = fields.String(allow_none=True)
    repos = fields.List(fields.String(), required=True)
    submitted_on = fields.Integer(required=True, metadata={"description": "unix time in seconds"})
    enable_net = fields.Boolean(required=True)
    source_type = fields.String(required=True, metadata={"description": "link (an SRPM URL) or scm (a commit)"})
    source_metadata = fields.Dict(required=True)


class CoprBuildTaskSchema(Schema):
    state = fields.String(required=True, metadata={"enum": list(STATES)})
    started_on = fields.Integer(allow_none=True)
    ended_on = fields.Integer(allow_none=True)
    git_hash = fields.String(allow_none=True)
    chroot_name = fields.String(required=True)
    build_id = fields.Integer(required=True)
    result_dir_url = fields.String(allow_none=True)


class CoprBuildTaskEnvelopeSchema(Schema):
    build_task = fields.Nested(CoprBuildTaskSchema, required=True)
    _links_ = _links()


class CoprBuildTaskListSchema(Schema):
    build_tasks = fields.List(fields.Nested(CoprBuildTaskEnvelopeSchema), required=True)
    _links_ = _links()


class CoprBuildEnvelopeSchema(Schema):
    build = fields.Nested(CoprBuildSchema, required=True)
    _links_ = _links()
    build_tasks = fields.List(fields.Nested(CoprBuildTaskEnvelopeSchema),
                              metadata={"description": "only with show_build_tasks"})


class CoprBuildListSchema(Schema):
    builds = fields.List(fields.Nested(CoprBuildEnvelopeSchema), required=True)
    _links_ = _links()


class CoprProjectEnvelopeSchema(Schema):
    project = fields.Nested(CoprProjectSchema, required=True)
    _links_ = _links()
    project_builds = fields.List(fields.Nested(CoprBuildEnvelopeSchema),
                                 metadata={"description": "only with show_builds"})
    project_chroots = fields.List(fields.Nested(CoprProjectChrootEnvelopeSchema),
                                  metadata={"description": "only with show_chroots"})


class CoprProjectListSchema(Schema):
    projects = fields.List(fields.Nested(CoprProjectEnvelopeSchema), required=True)
    _links_ = _links()


class CoprMockChrootSchema(Schema):
    name = fields.String(required=True)
    os_release = fields.String(required=True)
    os_version = fields.String(required=True)
    arch = fields.String(required=True)
    is_active = fields.Boolean(required=True)


class CoprMockChrootEnvelopeSchema(Schema):
    chroot = fields.Nested(CoprMockChrootSchema, required=True)
    _links_ = _links()


class CoprMockChrootListSchema(Schema):
    chroots = fields.List(fields.Nested(CoprMockChrootEnvelopeSchema), required=True)
    _links_ = _links()


# --- query parameters -----------------------------------------------------------------------------
def _limit(maximum: int) -> fields.Integer:
    return fields.Integer(load_default=100, validate=validate.Range(min=1, max=maximum))


def _offset() -> fields.Integer:
    return fields.Integer(load_default=0, validate=validate.Range(min=0))


def _name() -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=255))


class CoprProjectQuerySchema(RequestSchema):
    owner = _name()
    group = _name()
    name = _name()
    search_query = fields.String(validate=validate.Length(max=255))
    limit = _limit(1000)
    offset = _offset()


class CoprProjectShowSchema(RequestSchema):
    show_builds = CoprBoolean(load_default=False)
    show_chroots = CoprBoolean(load_default=False)


class CoprBuildQuerySchema(RequestSchema):
    owner = _name()
    project_id = fields.Integer(validate=validate.Range(min=0))
    group = _name()
    is_finished = CoprBoolean()
    limit = _limit(100)
    offset = _offset()


class CoprBuildShowSchema(RequestSchema):
    show_build_tasks = CoprBoolean(load_default=False)


class CoprBuildTaskQuerySchema(RequestSchema):
    owner = _name()
    project_id = fields.Integer(validate=validate.Range(min=0))
    build_id = fields.Integer(validate=validate.Range(min=0))
    group = _name()
    state = fields.String(validate=validate.OneOf(STATES))
    limit = _limit(100)
    offset = _offset()


class CoprMockChrootQuerySchema(RequestSchema):
    active_only = CoprBoolean(load_default=False)


# --- request bodies -------------------------------------------------------------------------------
class CoprProjectUpdateSchema(RequestSchema):
    """Editable fields: description, instructions, homepage, contact, disable_createrepo,
    build_enable_net, repos. Null clears a text, switches a flag off, empties repos."""

    description = fields.String(allow_none=True, validate=TEXT)
    instructions = fields.String(allow_none=True, validate=TEXT)
    homepage = fields.String(allow_none=True, validate=validate.Length(max=2048))
    contact = fields.String(allow_none=True, validate=validate.Length(max=2048))
    disable_createrepo = fields.Boolean(allow_none=True)
    build_enable_net = fields.Boolean(allow_none=True)
    repos = fields.Raw(allow_none=True, metadata={"description": "a list of repository URLs (or space-separated)"})


class CoprProjectCreateSchema(CoprProjectUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(max=255))
    owner = fields.String(allow_none=True, metadata={"description": "ignored, except '@group' names a group"})
    group = fields.String(allow_none=True, validate=validate.Length(max=100),
                          metadata={"description": "a team the caller belongs to: a group project"})
    chroots = fields.Raw(allow_none=True, metadata={"description": "build environments to enable"})


class CoprProjectChrootUpdateSchema(RequestSchema):
    buildroot_pkgs = fields.Raw(allow_none=True, metadata={"description": "package names (list, or space-separated)"})
    comps = fields.String(allow_none=True, metadata={"description": "content of a comps.xml file"})
    comps_name = fields.String(allow_none=True, validate=validate.Length(max=255))


class CoprProjectChrootCreateSchema(CoprProjectChrootUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(max=100))


class CoprBuildCreateSchema(RequestSchema):
    project_id = fields.Integer(required=True)
    srpm_url = fields.String(validate=validate.Length(max=2048), metadata={"description": "an SRPM to build"})
    git_hash = fields.String(validate=validate.Length(max=64),
                             metadata={"description": "or a commit of the project's repository to build"})
    chroots = fields.List(fields.String(), allow_none=True,
                          metadata={"description": "chroots to build in; none: every chroot of the project"})
    enable_net = fields.Boolean(allow_none=True, metadata={"description": "default: the project's build_enable_net"})


class CoprBuildUpdateSchema(RequestSchema):
    state = fields.String(required=True, metadata={"description": "only 'canceled' (cancel the build)"})


class CoprBuildTaskReportSchema(RequestSchema):
    state = fields.String(required=True, validate=validate.OneOf(REPORTABLE))
    started_on = fields.Integer(allow_none=True, strict=True)
    ended_on = fields.Integer(allow_none=True, strict=True)
    git_hash = fields.String(allow_none=True, validate=validate.Length(max=64))
    result_dir_url = fields.String(allow_none=True, validate=validate.Length(max=2048))


class CoprMockChrootCreateSchema(RequestSchema):
    name = fields.String(validate=validate.Length(max=100), metadata={"description": "e.g. fedora-42-x86_64"})
    os_release = fields.String(validate=validate.Length(max=50))
    os_version = fields.String(validate=validate.Length(max=50))
    arch = fields.String(validate=validate.Length(max=50))


class CoprMockChrootUpdateSchema(RequestSchema):
    is_active = fields.Boolean(required=True)
