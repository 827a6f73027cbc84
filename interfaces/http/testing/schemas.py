"""Shapes of the Projektor (snake_case, as Projektor's server writes them) and Testery (camelCase)
resources, and of coderadar's test runs of a commit (camelCase), for validation of query strings and
for the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.schemas import RequestSchema


# --- Projektor ------------------------------------------------------------------------------------
class SaveResultsSchema(Schema):
    id = fields.String(required=True, metadata={"description": "12 upper-case letters or digits"})
    uri = fields.String(required=True, metadata={"example": "/tests/ABCDEFGH1234"})


class ProjektorErrorSchema(Schema):
    id = fields.String()
    error_message = fields.String(required=True)


class ResultsProcessingSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "SUCCESS (a refused upload records nothing)"})
    created_timestamp = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)


class TestRunSummarySchema(Schema):
    __test__ = False

    id = fields.String(required=True)
    total_test_count = fields.Integer(required=True)
    total_passing_count = fields.Integer(required=True)
    total_skipped_count = fields.Integer(required=True)
    total_failure_count = fields.Integer(required=True)
    passed = fields.Boolean(required=True)
    cumulative_duration = fields.Float(required=True, metadata={"description": "seconds"})
    average_duration = fields.Float(required=True)
    slowest_test_case_duration = fields.Float(required=True)
    created_timestamp = fields.String(required=True)
    wall_clock_duration = fields.Float(allow_none=True)


class TestSuiteSchema(Schema):
    __test__ = False

    idx = fields.Integer(required=True)
    file_name = fields.String(allow_none=True)
    package_name = fields.String(allow_none=True)
    class_name = fields.String(required=True)
    test_count = fields.Integer(required=True)
    passing_count = fields.Integer(required=True)
    skipped_count = fields.Integer(required=True)
    failure_count = fields.Integer(required=True)
    start_ts = fields.String(allow_none=True)
    hostname = fields.String(allow_none=True)
    duration = fields.Float(required=True)
    has_system_out = fields.Boolean(required=True)
    has_system_err = fields.Boolean(required=True)
    group_name = fields.String(allow_none=True)
    group_label = fields.String(allow_none=True)
    test_cases = fields.Raw(allow_none=True)


class TestRunSchema(Schema):
    __test__ = False

    id = fields.String(required=True)
    summary = fields.Nested(TestRunSummarySchema, required=True)
    test_suites = fields.List(fields.Nested(TestSuiteSchema))


class TestFailureSchema(Schema):
    __test__ = False

    failure_message = fields.String(allow_none=True)
    failure_type = fields.String(allow_none=True)
    failure_text = fields.String(allow_none=True)


class TestCaseSchema(Schema):
    __test__ = False

    idx = fields.Integer(required=True)
    test_suite_idx = fields.Integer(required=True)
    name = fields.String(required=True)
    package_name = fields.String(allow_none=True)
    test_suite_name = fields.String(allow_none=True)
    class_name = fields.String(allow_none=True)
    file_name = fields.String(allow_none=True)
    duration = fields.Float(allow_none=True)
    passed = fields.Boolean(required=True)
    skipped = fields.Boolean(required=True)
    has_system_out_test_case = fields.Boolean()
    has_system_err_test_case = fields.Boolean()
    has_system_out_test_suite = fields.Boolean()
    has_system_err_test_suite = fields.Boolean()
    public_id = fields.String(required=True)
    created_timestamp = fields.String()
    failure = fields.Nested(TestFailureSchema, allow_none=True)
    full_name = fields.String()
    has_system_out = fields.Boolean()
    has_system_err = fields.Boolean()
    attachments = fields.Raw(allow_none=True)


class CoverageStatSchema(Schema):
    covered = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    covered_percentage_delta = fields.Float(allow_none=True)
    total = fields.Integer(required=True)
    covered_percentage = fields.Float(required=True)


class CoverageStatsSchema(Schema):
    statement_stat = fields.Nested(CoverageStatSchema, required=True)
    line_stat = fields.Nested(CoverageStatSchema, required=True)
    branch_stat = fields.Nested(CoverageStatSchema, required=True)


class CoverageGroupSchema(Schema):
    name = fields.String(required=True)
    stats = fields.Nested(CoverageStatsSchema, required=True)


class CoverageSchema(Schema):
    groups = fields.List(fields.Nested(CoverageGroupSchema), required=True)
    overall_stats = fields.Nested(CoverageStatsSchema, required=True)
    previous_test_run_id = fields.String(allow_none=True)


class CoverageFileSchema(Schema):
    file_name = fields.String(required=True)
    directory_name = fields.String(required=True)
    missed_lines = fields.List(fields.Integer())
    partial_lines = fields.List(fields.Integer())
    stats = fields.Nested(CoverageStatsSchema, required=True)
    file_path = fields.String(allow_none=True)


class CoverageFilesSchema(Schema):
    files = fields.List(fields.Nested(CoverageFileSchema), required=True)


class CurrentCoverageSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the test run that produced the coverage"})
    created_timestamp = fields.String(required=True)
    covered_percentage = fields.Float(required=True)
    repo = fields.String(required=True)
    project = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)


class OrganizationCoverageSchema(Schema):
    repositories = fields.List(fields.Nested(CurrentCoverageSchema), required=True)


class CurrentCoverageQuerySchema(RequestSchema):
    project = fields.String(validate=validate.Length(max=255))
    branch = fields.String(validate=validate.Length(max=255))


class CoverageTimelineEntrySchema(Schema):
    public_id = fields.String(required=True)
    created_timestamp = fields.String(required=True)
    coverage_stats = fields.Nested(CoverageStatsSchema, required=True)


class CoverageTimelineSchema(Schema):
    timeline_entries = fields.List(fields.Nested(CoverageTimelineEntrySchema), required=True)


class BranchTypeQuerySchema(RequestSchema):
    project = fields.String(validate=validate.Length(max=255))
    branch = fields.String(validate=validate.OneOf(["MAINLINE", "ALL", "mainline", "all"]),
                           metadata={"description": "MAINLINE (default) or ALL"})


class FlakyQuerySchema(RequestSchema):
    project = fields.String(validate=validate.Length(max=255))
    threshold = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100_000))
    max_runs = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    branch_type = fields.String(validate=validate.OneOf(["MAINLINE", "ALL", "mainline", "all"]))


class FlakyTestSchema(Schema):
    test_case = fields.Nested(TestCaseSchema, required=True)
    failure_count = fields.Integer(required=True)
    failure_percentage = fields.Float(required=True)
    first_test_case = fields.Nested(TestCaseSchema, required=True)
    latest_test_case = fields.Nested(TestCaseSchema, required=True)


class FlakyTestsSchema(Schema):
    tests = fields.List(fields.Nested(FlakyTestSchema), required=True)
    max_runs = fields.Integer(required=True)
    failure_count_threshold = fields.Integer(required=True)


class PublishQuerySchema(RequestSchema):
    buildKey = fields.String(validate=validate.Length(max=255),
                             metadata={"description": "links the run to a build (Copr build id)"})


# --- Testery --------------------------------------------------------------------------------------
class TesteryRunSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    testName = fields.String(allow_none=True)
    key = fields.String(required=True, metadata={"description": "the run's public id (Projektor's id)"})
    startTime = fields.String(allow_none=True, metadata={"example": "2020-05-04 23:16:33+0000"})
    endTime = fields.String(allow_none=True)
    createTime = fields.String(required=True)
    accountId = fields.Integer(required=True, metadata={"description": "the publishing user"})
    projectId = fields.Integer(allow_none=True, metadata={"description": "the coderadar project, when named"})
    status = fields.String(required=True, metadata={"description": "SUBMITTED, RUNNING, PASS, FAIL or CANCELED"})
    copies = fields.Integer(required=True)
    passCount = fields.Integer(required=True)
    failCount = fields.Integer(required=True)
    ignoredCount = fields.Integer(required=True)
    codeCoverageName = fields.String(allow_none=True)
    codeCoverageVersion = fields.String(allow_none=True)
    codeCoveragePercentage = fields.Float(allow_none=True)
    codeCoverageTotalStatements = fields.Integer(allow_none=True)
    codeCoverageCoveredStatements = fields.Integer(allow_none=True)
    totalTestingTime = fields.Integer(required=True, metadata={"description": "milliseconds"})
    isSchedule = fields.Boolean(allow_none=True)
    totalCount = fields.Integer(required=True)
    gitRef = fields.String(allow_none=True)
    buildKey = fields.String(allow_none=True)
    environment = fields.String(allow_none=True)
    statusInfo = fields.String(allow_none=True)
    includeTags = fields.List(fields.String())
    complete = fields.Boolean(required=True)
    ended = fields.Boolean(required=True)


class TesteryListQuerySchema(RequestSchema):
    page = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(validate=validate.Range(min=0, max=100_000_000))
    buildKey = fields.String(validate=validate.Length(min=1, max=255))


class TesteryResultsQuerySchema(RequestSchema):
    limit = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000_000))


class ProjectTestSchema(Schema):
    name = fields.String(required=True)
    file = fields.String(allow_none=True)
    fileFilter = fields.String(allow_none=True)


class TesteryResultSchema(Schema):
    status = fields.String(required=True, metadata={"description": "PASS, FAIL or IGNORED"})
    duration = fields.Integer(required=True, metadata={"description": "milliseconds"})
    error = fields.String(allow_none=True)
    stackTrace = fields.String(allow_none=True)
    name = fields.String(required=True)
    projectTest = fields.Nested(ProjectTestSchema, required=True)


class TesteryPatchSchema(RequestSchema):
    status = fields.String(required=True, validate=validate.OneOf(["CANCELED"]),
                           metadata={"description": "only CANCELED may be set"})


class TesteryUploadSchema(RequestSchema):
    projectId = fields.Integer(required=True, metadata={"description": "a coderadar project id"})
    environmentId = fields.String(required=True, validate=validate.Length(min=1, max=255))
    branch = fields.String(validate=validate.Length(max=255))
    ref = fields.String(validate=validate.Length(max=64), metadata={"description": "the commit sha"})
    buildKey = fields.String(validate=validate.Length(max=255))
    buildId = fields.String(validate=validate.Length(max=255), metadata={"description": "alias of buildKey"})
    testName = fields.String(validate=validate.Length(max=255))


class TesteryUploadFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class TesteryCreatedSchema(Schema):
    id = fields.Integer(required=True)


# --- coderadar: the test runs of a commit ---------------------------------------------------------
class CommitTestRunLinksSchema(Schema):
    testery = fields.String(required=True, metadata={"example": "/api/test-runs/42"})
    projektor = fields.String(required=True, metadata={"example": "/run/ABCDEFGH1234"})


class CommitTestRunSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "the run's numeric id (Testery's id)"})
    publicId = fields.String(required=True, metadata={"description": "12 upper-case letters or digits "
                                                                      "(Projektor's id)"})
    source = fields.String(required=True, metadata={"description": "projektor or testery: how it was published"})
    name = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "PASS, FAIL or CANCELED"})
    totalCount = fields.Integer(required=True)
    passedCount = fields.Integer(required=True)
    failedCount = fields.Integer(required=True, metadata={"description": "failures and errors"})
    skippedCount = fields.Integer(required=True)
    startTime = fields.Integer(required=True, metadata={"description": "epoch milliseconds"})
    endTime = fields.Integer(required=True, metadata={"description": "epoch milliseconds: the last results or "
                                                                     "coverage recorded"})
    commitHash = fields.String(required=True, metadata={"description": "the full hash"})
    repo = fields.String(allow_none=True, metadata={"description": "org/name, as the publisher named it"})
    projectName = fields.String(allow_none=True, metadata={"description": "Projektor's project in the repository"})
    branch = fields.String(allow_none=True)
    isMainBranch = fields.Boolean(required=True)
    pullRequestNumber = fields.Integer(allow_none=True)
    buildKey = fields.String(allow_none=True)
    links = fields.Nested(CommitTestRunLinksSchema, required=True)
