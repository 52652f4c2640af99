"""make gate-bench: a deterministic replay of the pipeline's own gate, whose default rule is the template's."""

import sys
from pathlib import Path

import pytest

import render
from local_aws.template import load

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import gate_bench  # noqa: E402


def test_the_benchs_default_rule_is_the_templates_default(tmp_path):
    parameters = load(render.render(out_dir=tmp_path)[render.TEMPLATE])["Parameters"]
    defaults = {name: str(parameters[name]["Default"]) for name in ("GateRule", "PooledShortDays", "PooledLongDays", "PooledMinImprovement", "MinImprovement")}
    assert defaults == {"GateRule": "PooledEvidence", "PooledShortDays": "3", "PooledLongDays": "14", "PooledMinImprovement": "-0.005", "MinImprovement": "0"}
    assert gate_bench.DEFAULT == "PooledEvidence 3|14 d at -0.005" and gate_bench.RULES[gate_bench.DEFAULT][1] == (3, 14)


def test_a_short_seeded_replay_is_deterministic_and_measures_every_column():
    first = gate_bench.run_regime("stationary", 6, 3, [gate_bench.DEFAULT, "PairedInterval (today only)"])
    assert first == gate_bench.run_regime("stationary", 6, 3, [gate_bench.DEFAULT, "PairedInterval (today only)"])
    assert [(r["rows"], r["rule"]) for r in first] == [(45, gate_bench.DEFAULT), (45, "PairedInterval (today only)"),
                                                       (450, gate_bench.DEFAULT), (450, "PairedInterval (today only)")]
    for row in first:
        assert 0 <= row["worse"] <= row["ships"] <= 100 and 0 <= row["better_out"] <= 100 and row["mean_gap"] <= row["max_gap"]
    lines = gate_bench.table(first)
    assert lines[0].split()[:3] == ["regime", "rows", "rule"] and len(lines) == 6


def test_the_command_refuses_an_unknown_rule_or_too_few_days_for_the_shift(capsys):
    with pytest.raises(SystemExit) as refused:
        gate_bench.main(["--rules", "always ship"])
    assert refused.value.code == 2 and "unknown rules ['always ship']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        gate_bench.main(["--days", "30"])
    assert "--days 30: at least 70" in capsys.readouterr().err
