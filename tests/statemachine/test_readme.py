"""docs/local-runs.md shows the real output of `make local`: a run's output, with only what changes
from run to run (wall times, dates, execution ids) masked, must equal its sample; and the README is a
page a newcomer can find things in."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)
README = Path(__file__).resolve().parents[2] / "docs" / "local-runs.md"
MARKER = "<!-- sample-output:"


def masked(text: str) -> list[str]:
    rules = [
        (r"^(\s*)\d+\.\d\ds(?=  T\+)", r"\1W.WWs"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "TIMESTAMP"),
        (r"\d{4}-\d{2}-\d{2}", "DATE"),
        (r"(?<=-)\d{8}\b", "YYYYMMDD"),
        (r"local-[0-9a-f]{12}", "local-EXECUTION"),
        (r"wall time \d+\.\d s", "wall time W s"),
    ]
    lines = []
    for line in text.rstrip("\n").splitlines():
        for pattern, replacement in rules:
            line = re.sub(pattern, replacement, line)
        lines.append(line)
    return lines


def readme_sample() -> str:
    text = README.read_text()
    start = text.index("```\n", text.index(MARKER)) + 4
    return text[start:text.index("```", start)]


def test_the_readme_sample_output_is_what_make_local_prints(capsys):
    from scripts import run_local

    assert run_local.main(["--scenario", "happy"]) == 0
    assert masked(capsys.readouterr().out) == masked(readme_sample())


def test_every_scenario_has_its_readme_row_with_the_same_words():
    from local_aws.scenarios import SCENARIOS

    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (.+) \|$", README.read_text(), re.MULTILINE))
    documented = {name: text for name, text in rows.items() if name in SCENARIOS}
    assert set(documented) == set(SCENARIOS)
    def words(text: str) -> str:
        return re.sub(r"[`'\"]", "", text)

    for name, scenario in SCENARIOS.items():
        assert words(documented[name]) == words(scenario.description), name


def test_the_readme_stays_short_with_a_table_of_contents_and_every_link_resolves():
    readme = README.parents[1] / "README.md"
    text = readme.read_text()
    assert len(text.splitlines()) <= 300 and "## Contents" in text
    assert not [line for line in text.splitlines() if len(line) > 120]
    for page in [readme, *sorted((README.parent).glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} links to {target}, which does not exist"
