"""`make lint` skips a check only when everything it reads is what it read when it passed."""

import json
import sys
from pathlib import Path

import pytest

from scripts import lint_builds


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_builds, "ROOT", tmp_path)
    monkeypatch.setattr(lint_builds, "RECORD", tmp_path / "record.json")
    monkeypatch.setattr(lint_builds, "render_builds", lambda: [tmp_path])
    (tmp_path / "input.txt").write_text("clean")
    return tmp_path


def fake_checks(workspace, monkeypatch, ran: list[str]) -> None:
    """One check that passes while input.txt says clean, and logs each time it runs."""
    log = workspace / "ran.log"
    code = f"import sys; open({str(log)!r}, 'a').write('ran\\n'); sys.exit(open({str(workspace / 'input.txt')!r}).read() != 'clean')"
    check = lint_builds.Check("fake-lint", [sys.executable, "-c", code], [workspace / "input.txt"])
    monkeypatch.setattr(lint_builds, "checks", lambda folders: [check])
    ran.append(str(log))


def runs(ran: list[str]) -> int:
    path = Path(ran[0])
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_passed_check_runs_again_only_when_an_input_changes_and_a_failure_is_never_recorded(workspace, monkeypatch, capsys):
    ran: list[str] = []
    fake_checks(workspace, monkeypatch, ran)
    assert lint_builds.main([]) == 0 and runs(ran) == 1
    assert lint_builds.main([]) == 0 and runs(ran) == 1, "same inputs: not run again"
    assert "fake-lint: clean (inputs unchanged since it passed)" in capsys.readouterr().out
    (workspace / "input.txt").write_text("broken")
    assert lint_builds.main([]) == 1 and runs(ran) == 2
    assert "fake-lint" not in json.loads((workspace / "record.json").read_text())
    assert lint_builds.main([]) == 1 and runs(ran) == 3, "a failed check runs every time until it passes"
    (workspace / "input.txt").write_text("clean")
    assert lint_builds.main([]) == 0 and runs(ran) == 4, "back to the inputs that passed: the record was dropped, so it runs"
    assert lint_builds.main(["--all"]) == 0 and runs(ran) == 5, "--all ignores the record"


def test_the_key_covers_contents_and_command(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_builds, "ROOT", tmp_path)
    source = tmp_path / "template.yaml"
    source.write_text("a")
    first = lint_builds.Check("c", ["cfn-lint", "template.yaml"], [source]).key()
    assert lint_builds.Check("c", ["cfn-lint", "--strict", "template.yaml"], [source]).key() != first
    source.write_text("b")
    assert lint_builds.Check("c", ["cfn-lint", "template.yaml"], [source]).key() != first


def test_every_build_is_linted_and_sam_build_reads_the_functions_code(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_builds, "BUILDS_DIR", tmp_path)
    checks = {check.name: check for check in lint_builds.checks(lint_builds.render_builds())}
    assert list(checks)[0] == "statelint" and checks["sam build"].sam and checks["sam validate --lint"].sam
    linted = [arg for name, check in checks.items() if name.startswith("cfn-lint") for arg in check.command[1:]]
    assert len(linted) == len(lint_builds.render.every_build()) + 1 + 2        # the default build, and the fan-out with each deploy target
    machines = checks["statelint"].command[2:]
    assert sum(path.endswith("fanout.asl.json") for path in machines) == 2
    assert any("lambda_functions" in str(path) for path in checks["sam build"].inputs)
    assert not any("__pycache__" in str(path) for path in checks["sam build"].inputs)
