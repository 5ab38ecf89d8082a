"""Checks every answer of the embedded API against the OpenAPI contract.

Answers with a status the contract documents for the operation are validated by
openapi-core against its schema; any other error status (401, 400, 405, ...) must
still be a JSON object in WorkOS's error shape, and every error must have that shape.
"""

import json
import re
from pathlib import Path

import jsonschema
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = Path(__file__).parent / "contract" / "workos-connect-openapi.yaml"
HOST = "https://api.workos.com"
PREFIX = "/emulator"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["message", "code"],
    "properties": {
        "message": {"type": "string", "minLength": 1},
        "code": {"type": "string", "pattern": "^[a-z_]+$"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

_openapi = OpenAPI.from_file_path(str(SPEC_PATH))
_spec = yaml.safe_load(SPEC_PATH.read_text())


def _documented_statuses(path: str, method: str) -> set[int]:
    for template, operations in _spec["paths"].items():
        pattern = template.replace("{id}", "[^/]+")
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return {int(status) for status in operations[method.lower()]["responses"]}
    return set()


def check(method: str, full_path: str, status: int, headers, content: bytes) -> None:
    """Raise AssertionError (or a validation error) when an answer breaks the contract."""
    assert headers.get("X-Request-ID"), "every answer carries X-Request-ID"
    path = full_path.removeprefix(PREFIX)
    if status == 204:
        assert content == b"", "204 has no body"
        assert status in _documented_statuses(path, method)
        return
    body = json.loads(content)
    # A body that is not a JSON object never reaches the operation, so its 400 has the
    # generic error shape, not the operation's own 400 codes (as for POST /organizations).
    unreadable_body = status == 400 and body.get("code") == "invalid_request_body"
    if status in _documented_statuses(path, method) and not unreadable_body:
        request = MockRequest(HOST, method, path)
        response = MockResponse(
            content, status_code=status, headers={"Content-Type": "application/json"}
        )
        _openapi.validate_response(request, response)
    else:
        assert status >= 400, f"{method} {path} answered an undocumented success {status}"
    if status >= 400:
        jsonschema.validate(body, ERROR_SCHEMA)
