"""Errors of the embedded API, answered in WorkOS's error shape.

`{"message": ..., "code": ...}`, plus `errors: [{field, code, message}]` for a 422.
"""

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class ApiProblem(Exception):
    status: int
    code: str
    message: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict:
        body: dict = {"message": self.message, "code": self.code}
        if self.errors or self.status == 422:
            body["errors"] = [vars(error) for error in self.errors]
        return body


def validation_failed(errors: list[FieldError], *, status: int = 422) -> ApiProblem:
    """Every field at fault, answered with 422 or, where the contract has no 422 for an
    operation, with the refusal it does document."""
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiProblem(
        status,
        "unprocessable_entity",
        f"Validation failed: {first.field}: {first.message}{more}",
        errors=list(errors),
    )


def not_found(kind: str, identifier: str) -> ApiProblem:
    return ApiProblem(404, "not_found", f"{kind} not found: '{identifier}'.")
