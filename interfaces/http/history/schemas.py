"""Request and response shapes of coderadar's history resources (seed sections 3.3, 5.2, 5.3.2, 5.3.3,
5.5, 6 and 7) and of the import status."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.schemas import RequestSchema

HASH = fields.String(required=True, validate=validate.Length(min=1, max=200),
                     metadata={"description": "a full commit hash or a unique prefix of at least 7 hex digits"})


class BranchSchema(Schema):
    name = fields.String(required=True)
    commitHash = fields.String(required=True, metadata={"description": "the full hash of the head commit"})
    isTag = fields.Boolean(required=True)


class CommitsQuerySchema(RequestSchema):
    # Short enough that a valid query string stays below the server's request-line limit (8 KB) even
    # when every character needs percent-encoding.
    branchName = fields.String(validate=validate.Length(max=255),
                               metadata={"description": "a branch (or tag); default: the project's default branch"})
    email = fields.String(validate=validate.Length(max=254),
                          metadata={"description": "only commits of the contributor with this e-mail address"})


class CommitSchema(Schema):
    hash = fields.String(required=True, metadata={"description": "the first 16 hex digits"})
    timestamp = fields.Integer(required=True, metadata={"description": "author time, epoch milliseconds"})
    analyzed = fields.Boolean(required=True)
    author = fields.String(required=True)
    authorEmail = fields.String(required=True)
    comment = fields.String(required=True)


class CommitLogAuthorSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    timestamp = fields.Integer(required=True)


class CommitLogSchema(Schema):
    refs = fields.List(fields.String(), required=True)
    hash = fields.String(required=True)
    parents = fields.List(fields.String(), required=True)
    author = fields.Nested(CommitLogAuthorSchema, required=True)
    subject = fields.String(required=True)
    analyzed = fields.Boolean(required=True)


class FileTreeQuerySchema(RequestSchema):
    changedOnly = fields.Boolean(load_default=False)


class FileTreeSchema(Schema):
    path = fields.String(required=True)
    children = fields.List(fields.Nested(lambda: FileTreeSchema()), allow_none=True, required=True)


class FileRequestSchema(RequestSchema):
    commitHash = HASH
    filepath = fields.String(required=True, validate=validate.Length(max=5000))


class FileMetricSchema(Schema):
    name = fields.String(required=True)
    value = fields.Raw(required=True)
    findings = fields.List(fields.Dict(), required=True)


class FileContentSchema(Schema):
    content = fields.String(required=True)
    metrics = fields.List(fields.Nested(FileMetricSchema), required=True, allow_none=True)


class FileDiffSchema(Schema):
    content = fields.String(required=True, metadata={"description": "a unified diff against the first parent"})
    metrics = fields.Raw(required=True, allow_none=True, metadata={"description": "always null"})


class ContributorSchema(Schema):
    id = fields.Integer(required=True)
    displayName = fields.String(required=True)
    names = fields.List(fields.String(), required=True)
    emailAddresses = fields.List(fields.String(), required=True)


class ContributorsPathSchema(RequestSchema):
    path = fields.String(required=True, validate=validate.Length(max=5000))
    commitHash = HASH


class MergeContributorsSchema(RequestSchema):
    contributorIds = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=2, max=1000))
    displayName = fields.String(required=True, validate=validate.Length(max=1000))


class UpdateContributorSchema(RequestSchema):
    displayName = fields.String(required=True, validate=validate.Length(max=1000))


class ManyContributorsRequestSchema(RequestSchema):
    commitHash = HASH
    numberOfContributors = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    numOfContr = fields.Integer(validate=validate.Range(min=1, max=1_000_000))


class FileContributorsSchema(Schema):
    path = fields.String(required=True)
    contributors = fields.List(fields.String(), required=True)


class FrequencyRequestSchema(RequestSchema):
    commitHash = HASH
    startDate = fields.Integer(required=True, metadata={"description": "epoch milliseconds"})
    frequency = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000_000))


class FileCommitsSchema(Schema):
    path = fields.String(required=True)
    commits = fields.List(fields.Nested(CommitSchema), required=True)


class ImportStatusSchema(Schema):
    projectId = fields.Integer(required=True)
    status = fields.String(required=True,
                           metadata={"description": "PENDING, RUNNING, DONE or FAILED; NONE without a repository"})
    commits = fields.Integer(required=True, metadata={"description": "commits recorded so far"})
    total = fields.Integer(allow_none=True, required=True,
                           metadata={"description": "commits there will be once the current run is done, when known"})
    batches = fields.Integer(required=True)
    failureReason = fields.String(allow_none=True, required=True)
    refreshRequested = fields.Boolean(required=True)
    defaultBranch = fields.String(allow_none=True, required=True)
    runs = fields.Integer(required=True, metadata={"description": "import runs finished (first import, refreshes)"})
    generation = fields.Integer(allow_none=True, required=True)
    updatedAt = fields.String(allow_none=True, required=True)
    finishedAt = fields.String(allow_none=True, required=True)
