"""Every way the emulator departs from moto is an AWS behaviour with a public source (docs/aws-behaviours.md)."""

import ast
import re
from pathlib import Path

import pytest

from local_aws import overrides

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = sorted((ROOT / "local_aws").glob("*.py"))


def table() -> dict[str, dict[str, str]]:
    rows = {}
    for line in overrides.BEHAVIOURS.read_text().splitlines():
        match = re.match(r"^\| `([a-z0-9-]+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", line)
        if match:
            rows[match.group(1)] = {"behaviour": match.group(2), "source": match.group(3)}
    return rows


class _Calls(ast.NodeVisitor):
    """Calls of override() or a local patch() helper, each with the innermost function it is made in."""

    def __init__(self, file: str) -> None:
        self.file, self.functions, self.found = file, [""], []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("override", "patch"):
            self.found.append((self.file, node.lineno, node.func.id, node, self.functions[-1]))
        self.generic_visit(node)


def override_calls() -> list[tuple[str, int, str, ast.Call, str]]:
    found = []
    for path in EMULATOR:
        visitor = _Calls(path.name)
        visitor.visit(ast.parse(path.read_text()))
        found += visitor.found
    return found


def test_every_row_has_a_source_and_says_what_aws_does():
    rows = table()
    assert len(rows) >= 25
    for name, row in rows.items():
        assert row["source"].strip() not in ("", "—", "-"), f"row {name} has no source"
        assert len(row["behaviour"]) > 30, f"row {name} does not say what AWS does"


def test_every_override_of_moto_names_rows_of_the_table():
    rows, seen = table(), set()
    calls = override_calls()
    assert len(calls) >= 30, "the scan found the emulator's overrides"
    for file, line, called, call, enclosing in calls:
        given = {keyword.arg: keyword.value for keyword in call.keywords}
        assert "rows" in given, f"{file}:{line}: {called}() names no row of docs/aws-behaviours.md"
        value = given["rows"]
        if isinstance(value, ast.Name):
            assert called == "override" and enclosing == "patch", f"{file}:{line}: rows must be written out where the override is made"
            continue
        assert isinstance(value, ast.Tuple) and value.elts, f"{file}:{line}: rows must be a tuple of row ids"
        for element in value.elts:
            assert isinstance(element, ast.Constant) and element.value in rows, f"{file}:{line}: row {ast.unparse(element)} is not in the table"
            seen.add(element.value)
    assert {"training-job-not-found", "model-package-no-tags", "states-all-excludes-runtime"} <= seen


def test_moto_is_replaced_nowhere_but_through_override():
    for path in EMULATOR:
        if path.name == "overrides.py":
            continue
        assert "mock.patch" not in path.read_text(), f"{path.name} patches moto without naming its row: use local_aws.overrides.override"


def test_an_override_without_rows_is_refused():
    with pytest.raises(ValueError, match="names no row of aws-behaviours.md"):
        overrides.override(Path, "home", lambda: None, rows=())
