"""The shape of the code, checked: the import contracts of pyproject.toml (layers, the
embedded API on its own, no cycle), features that reach a sibling only through its
actions and queries, and tests that share helpers and fixtures without importing each other."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURES = {
    "applications", "audit", "configuration", "onboarding", "organizations", "promotion",
    "search", "signin",
}  # fmt: skip
# What a feature offers its siblings: its actions (`services`) and queries (`selectors`).
# The audit trail's and the search index's actions and queries kept the names they had
# before this rule: `record` (an event), `index` (an application indexed), `tasks` (a sync
# queued), `health` (the credentials' findings).
PUBLIC = {"services", "selectors", "record", "index", "tasks", "health"}


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_a_feature_reaches_a_sibling_only_through_its_services_and_selectors():
    reached = []
    for feature in FEATURES:
        for path in (ROOT / "dashboard" / feature).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line, module in imported_modules(path):
                parts = module.split(".")
                if len(parts) < 3 or parts[0] != "dashboard" or parts[1] not in FEATURES:
                    continue
                if parts[1] != feature and parts[2] not in PUBLIC:
                    reached.append(f"{path.relative_to(ROOT)}:{line} {module}")
    assert reached == []


def test_no_view_is_over_30_lines():
    """A view parses, calls and renders; anything longer is a helper, a form or a service."""
    long = []
    for path in (ROOT / "dashboard").rglob("views.py"):
        if "emulator" in path.parts:
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            body = node.body
            has_docstring = isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant
            )
            first = body[1] if has_docstring and len(body) > 1 else body[0]
            lines = node.end_lineno - first.lineno + 1
            if lines > 30:
                long.append(f"{path.relative_to(ROOT)}: {node.name}, {lines} lines")
    assert long == []


def test_every_view_chooses_its_page_or_partial_through_one_helper():
    """django-htmx's idiom, once: `render_page` renders the page, or the partial an HTMX
    swap asks for and its out-of-band partials; no view picks or joins them by hand."""
    by_hand = []
    for path in (ROOT / "dashboard").rglob("views.py"):
        text = path.read_text()
        if "emulator" in path.parts:
            continue
        for marker in ("render_to_string(", "page_or_partial", "HttpResponse(html"):
            if marker in text:
                by_hand.append(f"{path.relative_to(ROOT)}: {marker}")
    assert by_hand == []


def test_no_test_module_imports_another_test_module_or_a_conftest():
    """Tests share what they share through tests/support (helpers) and the conftest.py
    files (fixtures, which pytest finds by name): importing a test module runs its tests'
    module again under another name, and importing a conftest bypasses pytest's scoping."""
    tests = ROOT / "tests"
    imports = []
    for path in sorted(tests.rglob("test_*.py")):
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                last = name.rsplit(".", 1)[-1]
                if name.startswith("tests.") and (last.startswith("test_") or last == "conftest"):
                    imports.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert imports == []
