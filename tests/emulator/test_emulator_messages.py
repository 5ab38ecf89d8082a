"""The words of the embedded API's answers and of the shared field rules.

People read these messages as they are, in the dashboard too, where Markdown is not
rendered: a quoted value or name stands in curly quotes, never in backticks.
"""

import ast
from pathlib import Path

import pytest

from dashboard import rules

ROOT = Path(__file__).resolve().parents[2] / "dashboard"
SOURCES = sorted(
    [
        *(ROOT / "emulator").rglob("*.py"),
        ROOT / "uris.py",
        ROOT / "rules.py",
    ]
)


def docstrings(tree: ast.AST) -> set[ast.AST]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(first.value)
    return found


def string_literals(path: Path) -> list[tuple[int, str]]:
    """Every string in the code of `path` (f-strings' text included), not its docstrings."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node not in skip
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_message_quotes_with_markdown_backticks(path):
    quoted = [f"line {line}: {text!r}" for line, text in string_literals(path) if "`" in text]

    assert not quoted, "\n".join(quoted)


def test_a_refused_field_names_itself_in_curly_quotes(api):
    response = api.post("organizations", {"name": "Acme", "colour": "red"})

    assert response.json()["errors"] == [
        {
            "field": "colour",
            "code": "unknown_field",
            "message": "“colour” is not a field of this request.",
        }
    ]


def test_length_limits_use_the_wording_of_the_forms(api):
    response = api.post(
        "connect/applications",
        {"application_type": "oauth", "is_first_party": True, "name": "n" * 300},
    )

    assert response.json()["errors"][0]["message"] == rules.too_long("Name", rules.MAX_NAME, 300)
    assert response.json()["errors"][0]["message"] == (
        "Name may be at most 255 characters long; this one has 300."
    )


def test_the_key_is_asked_for_in_plain_words(db):
    from django.test import Client

    response = Client().get("/emulator/organizations")

    assert response.status_code == 401
    assert response.json()["message"] == (
        "Unauthorized: send one of the embedded API's keys in an “Authorization: Bearer <key>” "
        "header."
    )
