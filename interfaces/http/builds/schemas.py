"""Request and response shapes of Copr API 2 (compat.md section 3; the real client is copr==1.112).

Request bodies ignore fields they do not know (the client sends keys it expects the server to ignore,
such as ``id``, ``owner`` or ``last_modified`` on a project update) and accept null where the client
sends null. Responses carry exactly the fields the client knows: it refuses any other."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.builds.chroots import CHROOT_NAME_PATTERN, CHROOT_PART_PATTERN, OS_RELEASE_PATTERN, PACKAGE_PATTERN
from domain.builds.states import REPORTABLE, STATES
from interfaces.http.builds.common import CoprBoolean
from interfaces.http.schemas import RequestSchema

TEXT = validate.Length(max=10000)
MAX_ID = 2**63 - 1
PROJECT_NAME = r"^[a-zA-Z][\w.-]*$"
_URL_CHARS = r"[^\s\x00-\x1f\x7f"
HTTP_URL = rf"^https?://{_URL_CHARS}/?#]+{_URL_CHARS}]*$"
EMAIL_OR_URL = r"^$|^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$|" + HTTP_URL
GIT_HASH = r"^[0-9a-fA-F]{7,64}$"
BAD_CHROOT = "Bad mock chroot name: expected <os_release>-<os_version>-<arch> in lower case, e.g. fedora-40-x86_64"


def _chroot_name(**kwargs: object) -> fields.String:
    return fields.String(validate=[validate.Length(max=100), validate.Regexp(CHROOT_NAME_PATTERN, error=BAD_CHROOT)],
                         **kwargs)  # type: ignore[arg-type]


def _chroot_names() -> fields.List:
    return fields.List(_chroot_name(), allow_none=True, validate=validate.Length(max=100),
                       metadata={"description": "chroot names, e.g. fedora-40-x86_64"})


def _urls(field: str) -> fields.List:
    return fields.List(fields.String(validate=[validate.Length(max=2048), validate.Regexp(HTTP_URL)]),
                       allow_none=True, validate=validate.Length(max=100), metadata={"description": field})


def _packages() -> fields.List:
    return fields.List(fields.String(validate=[validate.Length(max=255), validate.Regexp(PACKAGE_PATTERN)]),
                       allow_none=True, validate=validate.Length(max=1000),
                       metadata={"description": "package names installed into the buildroot"})


class JsonBoolean(fields.Boolean):
    """A JSON true or false (not 1, "yes" or "true": those are query-string spellings)."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _id(**kwargs: object) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_ID), **kwargs)  # type: ignore[arg-type]


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


class CoprBuiltPackageDetailSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    release = fields.String(required=True)
    arch = fields.String(required=True)
    chroot_name = fields.String(required=True)


class CoprBuildEnvelopeSchema(Schema):
    build = fields.Nested(CoprBuildSchema, required=True)
    packages = fields.List(fields.Nested(CoprBuiltPackageDetailSchema), metadata={
        "description": "every package the build's tasks built (name, version, release, arch, chroot); the "
                       "build's built_packages lists each name and version once, as Copr does"})
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
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


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
    project_id = _id()
    group = _name()
    is_finished = CoprBoolean()
    limit = _limit(100)
    offset = _offset()


class CoprBuildShowSchema(RequestSchema):
    show_build_tasks = CoprBoolean(load_default=False)


class CoprBuildTaskQuerySchema(RequestSchema):
    owner = _name()
    project_id = _id()
    build_id = _id()
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
    homepage = fields.String(allow_none=True, validate=[validate.Length(max=2048), validate.Regexp(
        r"^$|" + HTTP_URL, error="homepage must be an http or https URL")])
    contact = fields.String(allow_none=True, validate=[validate.Length(max=2048), validate.Regexp(
        EMAIL_OR_URL, error="contact must be an e-mail address or an http or https URL")])
    disable_createrepo = JsonBoolean(allow_none=True)
    build_enable_net = JsonBoolean(allow_none=True)
    repos = _urls("URLs of repositories the builds may use")


class CoprProjectCreateSchema(CoprProjectUpdateSchema):
    name = fields.String(required=True, validate=[validate.Length(max=255), validate.Regexp(
        PROJECT_NAME, error="Name must contain only letters, digits, underscores, dashes and dots, and start with "
                            "a letter")])
    owner = fields.String(allow_none=True, metadata={"description": "ignored, except '@group' names a group"})
    group = fields.String(allow_none=True, validate=validate.Length(max=100),
                          metadata={"description": "a team the caller belongs to: a group project"})
    chroots = _chroot_names()


class CoprProjectChrootUpdateSchema(RequestSchema):
    buildroot_pkgs = _packages()
    comps = fields.String(allow_none=True, validate=validate.Length(max=512 * 1024),
                          metadata={"description": "content of a comps.xml file"})
    comps_name = fields.String(allow_none=True, validate=[validate.Length(max=255), validate.Regexp(r"^[^/\x00]*$")])


class CoprProjectChrootCreateSchema(CoprProjectChrootUpdateSchema):
    name = _chroot_name(required=True)


class CoprBuildCreateSchema(RequestSchema):
    project_id = _id(required=True)
    srpm_url = fields.String(validate=[validate.Length(max=2048), validate.Regexp(HTTP_URL, error=(
        "srpm_url must be an http or https URL"))], metadata={"description": "an SRPM to build"})
    git_hash = fields.String(validate=validate.Regexp(GIT_HASH, error="git_hash must be a commit id (7 to 64 "
                                                                      "hexadecimal digits)"),
                             metadata={"description": "or a commit of the project's repository to build"})
    chroots = _chroot_names()
    enable_net = JsonBoolean(allow_none=True, metadata={"description": "default: the project's build_enable_net"})


class CoprBuildUpdateSchema(RequestSchema):
    state = fields.String(required=True, metadata={"description": "only 'canceled' (cancel the build)"})


class CoprBuildTaskReportSchema(RequestSchema):
    state = fields.String(validate=validate.OneOf(REPORTABLE),
                          metadata={"description": "required, unless only built_packages are reported"})
    built_packages = fields.List(fields.Dict(), validate=validate.Length(max=1000), metadata={
        "description": "what the task built: [{name, version, release, arch}]"})
    started_on = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=2**53 - 1))
    ended_on = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=2**53 - 1))
    git_hash = fields.String(allow_none=True, validate=validate.Regexp(r"^$|" + GIT_HASH))
    result_dir_url = fields.String(allow_none=True, validate=[validate.Length(max=2048),
                                                              validate.Regexp(r"^$|" + HTTP_URL)])


class CoprMockChrootCreateSchema(RequestSchema):
    """Either ``name`` or the three parts."""

    name = _chroot_name(metadata={"description": "e.g. fedora-42-x86_64"})
    os_release = fields.String(validate=[validate.Length(max=50), validate.Regexp(OS_RELEASE_PATTERN)])
    os_version = fields.String(validate=[validate.Length(max=30), validate.Regexp(CHROOT_PART_PATTERN)])
    arch = fields.String(validate=[validate.Length(max=30), validate.Regexp(CHROOT_PART_PATTERN)])


class CoprMockChrootUpdateSchema(RequestSchema):
    is_active = JsonBoolean(required=True)
