"""Request and response shapes of coderadar's analysis resources (seed 3.6, 4.1, 5.1, 5.3, 5.4) and the
metric history."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.schemas import RequestSchema

HASH = fields.String(required=True, validate=validate.Length(min=1, max=200),
                     metadata={"description": "a full commit hash or a unique prefix of at least 7 hex digits"})
METRICS = fields.List(fields.String(validate=validate.Length(min=1, max=500)), required=True,
                      validate=validate.Length(max=1000),
                      metadata={"description": "the metric names to query (GET /api/projects/{id}/metrics); a name "
                                               "without its language suffix (coderadar:size:loc) stands for every "
                                               "language the project measured; an unknown name is a 400"})


class StatusSchema(Schema):
    status = fields.Boolean(required=True, metadata={"description": "whether an analysis job runs"})
    commitsDone = fields.Integer(required=True, metadata={"description": "commits the current job analysed"})
    commitsToDo = fields.Integer(allow_none=True, required=True,
                                 metadata={"description": "commits the job still has to analyse (null until known)"})
    commitsAnalyzed = fields.Integer(required=True, metadata={"description": "analysed commits in all"})
    state = fields.String(required=True, metadata={"description": "NONE, RUNNING, DONE, STOPPED or FAILED"})
    job = fields.Integer(required=True, metadata={"description": "the current job's number (0: none yet)"})
    automatic = fields.Boolean(required=True, metadata={"description": "the job was started for new commits"})
    branches = fields.List(fields.String(), required=True, metadata={"description": "empty: every branch"})
    contentsMeasured = fields.Integer(required=True)
    failures = fields.Integer(required=True, metadata={"description": "contents an analyzer failed on"})
    failureReason = fields.String(allow_none=True, required=True)
    configurationChange = fields.String(
        allow_none=True, required=True,
        metadata={"description": "set when this job records the analysed commits again because the file patterns or "
                                 "analyzers changed (what changed); only what they lack is measured"})
    pendingConfigurationChange = fields.String(
        allow_none=True, required=True,
        metadata={"description": "what changed in the file patterns or analyzers since the analysed commits were "
                                 "measured; start the analysis to apply it (only what is missing is measured)"})


class FailureSchema(Schema):
    analyzer = fields.String(required=True)
    blob = fields.String(required=True)
    error = fields.String(required=True)


class CommitMetricsQuerySchema(RequestSchema):
    commit = HASH
    metrics = METRICS


class DeltaTreeQuerySchema(RequestSchema):
    commit1 = HASH
    commit2 = HASH
    metrics = METRICS


class MetricValueSchema(Schema):
    metricName = fields.String(required=True)
    value = fields.Integer(required=True)


class MetricTreeSchema(Schema):
    name = fields.String(required=True)
    type = fields.String(required=True, metadata={"description": "MODULE or FILE"})
    metrics = fields.List(fields.Nested(MetricValueSchema), required=True)
    children = fields.List(fields.Nested(lambda: MetricTreeSchema()), required=True)


class ChangesSchema(Schema):
    renamed = fields.Boolean(required=True)
    modified = fields.Boolean(required=True)
    deleted = fields.Boolean(required=True)
    added = fields.Boolean(required=True)


class DeltaTreeSchema(Schema):
    name = fields.String(required=True)
    type = fields.String(required=True)
    commit1Metrics = fields.List(fields.Nested(MetricValueSchema), allow_none=True, required=True)
    commit2Metrics = fields.List(fields.Nested(MetricValueSchema), allow_none=True, required=True)
    renamedFrom = fields.String(allow_none=True, required=True)
    renamedTo = fields.String(allow_none=True, required=True)
    changes = fields.Nested(ChangesSchema, allow_none=True, required=True)
    children = fields.List(fields.Nested(lambda: DeltaTreeSchema()), required=True)


class HistoryQuerySchema(RequestSchema):
    # Short enough that a valid query string stays below the server's request-line limit (8 KB) even
    # when every character needs percent-encoding.
    metric = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"description": "a metric name; a name without its language suffix must stand "
                                                    "for exactly one measured metric; an unknown name is a 400"})
    branchName = fields.String(validate=validate.Length(min=1, max=255),
                               metadata={"description": "default: the project's default branch"})


class HistoryPointSchema(Schema):
    commit = fields.String(required=True, metadata={"description": "the full commit hash"})
    timestamp = fields.Integer(required=True, metadata={"description": "author time, epoch milliseconds"})
    value = fields.Integer(required=True)
