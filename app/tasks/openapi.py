"""The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json; the tests validate the real
responses against it)."""
from app.tasks.queries import RESULT_COLUMNS

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
PROBLEM_RESPONSE = {
    "description": "RFC 9457 problem (Vietnamese or English by Accept-Language)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
ERRORS = {code: PROBLEM_RESPONSE for code in ("401", "404", "409", "422", "429")}
REF = {
    "name": "ref",
    "in": "path",
    "required": True,
    "description": "External reference of the task in the task-assignment software (document number or id)",
    "schema": {"type": "string", "maxLength": 100},
}
TASK_RESPONSE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Công vụ — work results ledger API",
        "version": "1.0.0",
        "description": "Connection for the province's document-management / task-assignment software "
        "(Decree 335/2025): upsert tasks by external reference, report submissions and "
        "reviews, read a person's computed T1–T3 for a month. Authenticate with an "
        "integration token created by the system administrator: "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem documents in "
        "Vietnamese (default) or English (`Accept-Language: en`).",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/tasks/{ref}": {
            "put": {
                "operationId": "putTask",
                "summary": "Create or update a task by its external reference (idempotent)",
                "parameters": [REF],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskInput"}}},
                },
                "responses": {
                    "200": {"description": "Updated", **TASK_RESPONSE},
                    "201": {"description": "Created", **TASK_RESPONSE},
                    **ERRORS,
                },
            },
        },
        "/tasks/{ref}/submission": {
            "post": {
                "operationId": "submitTask",
                "summary": "The assignee reported completion (or resubmitted after a return)",
                "parameters": [REF],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}},
                },
                "responses": {"200": {"description": "Submitted", **TASK_RESPONSE}, **ERRORS},
            },
        },
        "/tasks/{ref}/review": {
            "post": {
                "operationId": "reviewTask",
                "summary": "The assigner accepted or returned the submission",
                "parameters": [REF],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Review"}}},
                },
                "responses": {"200": {"description": "Reviewed", **TASK_RESPONSE}, **ERRORS},
            },
        },
        "/staff/{staff_code}/results/{period}": {
            "get": {
                "operationId": "getResults",
                "summary": "A person's computed results for a month (SPEC §2a)",
                "parameters": [
                    {"name": "staff_code", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "period",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Results",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Results"}}},
                    },
                    **ERRORS,
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Integration token (shown once when created)",
            }
        },
        "schemas": {
            "TaskInput": {
                "type": "object",
                "required": ["staff_code", "quantity", "assigned_on", "due_on"],
                "properties": {
                    "staff_code": {"type": "string"},
                    "product_code": {
                        "type": ["string", "null"],
                        "description": "Catalogue code; empty for an ad-hoc item",
                    },
                    "coefficient": {
                        "type": ["number", "string", "null"],
                        "description": "Empty = the product's",
                    },
                    "quantity": {"type": ["integer", "string"], "minimum": 1},
                    "assigned_on": DATE,
                    "due_on": DATE,
                    "submitted_on": {"type": ["string", "null"]},
                    "status": {"enum": ["assigned", "submitted", "accepted", "returned", "cancelled"]},
                    "returns": {"type": "integer", "minimum": 0},
                    "late": {"type": "integer", "minimum": 0},
                    "exempt_returns": {"type": "integer", "minimum": 0},
                    "exempt_late": {"type": "integer", "minimum": 0},
                },
            },
            "Task": {
                "type": "object",
                "required": [
                    "external_ref",
                    "staff_code",
                    "title",
                    "coefficient",
                    "quantity",
                    "assigned_on",
                    "due_on",
                    "status",
                    "returns",
                    "late",
                    "exempt_returns",
                    "exempt_late",
                ],
                "additionalProperties": False,
                "properties": {
                    "external_ref": {"type": "string"},
                    "staff_code": {"type": "string"},
                    "product_code": {"type": ["string", "null"]},
                    "title": {"type": "string"},
                    "coefficient": {"type": "number", "exclusiveMinimum": 0},
                    "quantity": {"type": "integer", "minimum": 1},
                    "assigned_on": DATE,
                    "due_on": DATE,
                    "submitted_on": {"anyOf": [DATE, {"type": "null"}]},
                    "status": {"enum": ["assigned", "submitted", "accepted", "returned", "cancelled"]},
                    "returns": {"type": "integer", "minimum": 0},
                    "late": {"type": "integer", "minimum": 0},
                    "exempt_returns": {"type": "integer", "minimum": 0},
                    "exempt_late": {"type": "integer", "minimum": 0},
                },
            },
            "Submission": {
                "type": "object",
                "properties": {
                    "submitted_on": DATE,
                    "note": {"type": "string", "maxLength": 2000},
                    "link": {"type": "string", "format": "uri", "maxLength": 500},
                },
            },
            "Review": {
                "type": "object",
                "required": ["decision"],
                "properties": {
                    "decision": {"enum": ["accept", "return"]},
                    "note": {"type": "string", "maxLength": 2000},
                },
            },
            "Results": {
                "type": "object",
                "required": [*RESULT_COLUMNS, "explanation"],
                "additionalProperties": False,
                "properties": {
                    "staff_code": {"type": "string"},
                    "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                    "assigned": NULLABLE_NUMBER,
                    "quantity_pct": NULLABLE_NUMBER,
                    "quality_pct": NULLABLE_NUMBER,
                    "progress_pct": NULLABLE_NUMBER,
                    "t1": NULLABLE_NUMBER,
                    "t2": NULLABLE_NUMBER,
                    "t3": NULLABLE_NUMBER,
                    "explanation": {"type": "string"},
                },
            },
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
