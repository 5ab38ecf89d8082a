"""Checks every answer of the embedded API against the OpenAPI contracts.

Two contracts: Connect (applications, client secrets, organizations, permissions) and
User Management (users). An operation of either answers only with the statuses it
documents, each validated by openapi-core against its schema, or with one the contract
cannot document (a missing key, a body too large, a rate limit, a failure). Every error
is a JSON object in WorkOS's error shape.
"""

import json
import re
from pathlib import Path

import jsonschema
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

CONTRACT_DIR = Path(__file__).resolve().parents[1] / "contract"
SPEC_PATH = CONTRACT_DIR / "workos-connect-openapi.yaml"
USER_MANAGEMENT_SPEC_PATH = CONTRACT_DIR / "workos-user-management-openapi.yaml"
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
# Statuses no operation of the contract lists, though any may answer with them: every
# operation needs the bearer key (401), a body has a size limit (413), and rate limits
# and failures (429, 5xx) are the client's to retry.
UNDOCUMENTABLE = {401, 413, 429, 500, 502, 503, 504}

_contracts = [
    (OpenAPI.from_file_path(str(spec_path)), yaml.safe_load(spec_path.read_text()))
    for spec_path in (SPEC_PATH, USER_MANAGEMENT_SPEC_PATH)
]


def _operation(path: str, method: str) -> tuple[OpenAPI, dict[int, dict]] | None:
    """The contract of the operation at `method path` and its responses by status, or None
    if it is no operation of either contract."""
    for openapi, spec in _contracts:
        for template, operations in spec["paths"].items():
            pattern = re.sub(r"\{[^}/]+\}", "[^/]+", template)
            if re.fullmatch(pattern, path) and method.lower() in operations:
                responses = operations[method.lower()]["responses"]
                return openapi, {int(status): answer for status, answer in responses.items()}
    return None


def check(method: str, full_path: str, status: int, headers, content: bytes) -> None:
    """Raise AssertionError (or a validation error) when an answer breaks the contract."""
    assert headers.get("X-Request-ID"), "every answer carries X-Request-ID"
    path = full_path.removeprefix(PREFIX)
    operation = _operation(path, method)
    if operation is None:
        assert status >= 400, f"{method} {path} is no operation, yet answered {status}"
    else:
        openapi, documented = operation
        assert status in documented.keys() | UNDOCUMENTABLE, (
            f"{method} {path} answered {status}; the contract allows {sorted(documented)}"
        )
    # 204, or a status the contract documents without a body (an organization deletion's 202).
    bodiless = status == 204 or (
        operation is not None and status in documented and "content" not in documented[status]
    )
    if bodiless:
        assert content == b"", f"{status} has no body"
        return
    body = json.loads(content)
    if operation is not None and status in documented:
        # openapi-core would resolve ".." in the URL; as an ID it is just an unknown ID.
        segments = ("%2E%2E" if segment == ".." else segment for segment in path.split("/"))
        request = MockRequest(HOST, method, "/".join(segments))
        response = MockResponse(
            content, status_code=status, headers={"Content-Type": "application/json"}
        )
        openapi.validate_response(request, response)
    if status >= 400:
        jsonschema.validate(body, ERROR_SCHEMA)
