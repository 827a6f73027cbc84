"""Shapes of Projektor's attachment, performance, code-quality, message, attribute and processing
failure resources (snake_case, as Projektor's server writes them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.http.schemas import RequestSchema


class AddAttachmentSchema(Schema):
    name = fields.String(allow_none=True, metadata={"description": "the attachment's name (null when refused)"})
    file_name = fields.String(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "ATTACHMENT_TOO_LARGE or ATTACHMENT_FAILED"})
    error_message = fields.String(metadata={"description": "why it was refused"})


class AttachmentSchema(Schema):
    file_name = fields.String(required=True)
    object_name = fields.String(required=True)
    file_size = fields.Integer(allow_none=True)
    attachment_type = fields.String(required=True, metadata={"description": "IMAGE, VIDEO or OTHER"})
    content_type = fields.String()
    sha256 = fields.String()


class AttachmentsSchema(Schema):
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class PerformanceResultSchema(Schema):
    name = fields.String(required=True)
    requests_per_second = fields.Float(required=True)
    request_count = fields.Integer(required=True)
    average = fields.Float(required=True, metadata={"description": "ms"})
    maximum = fields.Float(required=True, metadata={"description": "ms"})
    p95 = fields.Float(required=True, metadata={"description": "ms"})


class PerformanceResultsSchema(Schema):
    results = fields.List(fields.Nested(PerformanceResultSchema), required=True)


class PerformanceTimelineEntrySchema(Schema):
    public_id = fields.String(required=True)
    created_timestamp = fields.String(required=True)
    performance_result = fields.Nested(PerformanceResultSchema, required=True)


class PerformanceTestTimelineSchema(Schema):
    name = fields.String(required=True)
    entries = fields.List(fields.Nested(PerformanceTimelineEntrySchema), required=True)


class PerformanceTimelineSchema(Schema):
    test_timelines = fields.List(fields.Nested(PerformanceTestTimelineSchema), required=True)


class CodeQualityReportSchema(Schema):
    idx = fields.Integer(required=True)
    contents = fields.String(required=True)
    file_name = fields.String(required=True)
    group_name = fields.String(allow_none=True)


class CodeQualityReportsSchema(Schema):
    reports = fields.List(fields.Nested(CodeQualityReportSchema), required=True)


class MessagesSchema(Schema):
    messages = fields.List(fields.String(), required=True)


class AttributesSchema(Schema):
    pinned = fields.Boolean(required=True)


class PublicIdSchema(Schema):
    id = fields.String(required=True)


class ProcessingFailureSchema(Schema):
    id = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "the start of the refused body"})
    body_type = fields.String(required=True, metadata={"description": "TEST_RESULTS or COVERAGE"})
    created_timestamp = fields.String(required=True)
    failure_message = fields.String(allow_none=True)


class RecentFailuresQuerySchema(RequestSchema):
    count = fields.Integer(load_default=5, validate=validate.Range(min=1, max=1000))
