"""The example container's training contract: /opt/ml in, model + metrics + failure file out."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local_aws import dataset, warm
from local_aws.containers import apply_metric_definitions

CONTAINER = Path(__file__).resolve().parents[2] / "training"
def template_metric_definitions() -> list[dict[str, str]]:
    """The template's default MetricDefinitions: the container and the template agree on the contract."""
    import re

    text = (Path(__file__).resolve().parents[2] / "template.yaml.j2").read_text()
    (default,) = re.findall(r"^  MetricDefinitions:\n    Type: String\n    Default: '(.+)'$", text, re.MULTILINE)
    return json.loads(default)


METRICS = template_metric_definitions()


def opt_ml(tmp_path: Path, hyperparameters: dict, training: bytes, validation: bytes) -> Path:
    root = tmp_path / "opt" / "ml"
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    for channel, body in (("train", training), ("validation", validation)):
        (root / "input" / "data" / channel).mkdir(parents=True)
        (root / "input" / "data" / channel / "iris.csv").write_bytes(body)
    return root


def train(root: Path, fresh: bool = False, **env: str) -> subprocess.CompletedProcess:
    """`train` as SageMaker starts it; forked from the local run's warm interpreter unless ``fresh``."""
    env = {"ML_ROOT": str(root), "PYTHONPATH": str(CONTAINER), **env}
    if fresh:
        return subprocess.run([sys.executable, str(CONTAINER / "train")], env=env, capture_output=True, text=True, timeout=120)
    job = warm.zygote.start(CONTAINER / "train", CONTAINER, env, root.parent / "logs")
    stdout, stderr = job.communicate(timeout=120)
    return subprocess.CompletedProcess(job.args, job.returncode, stdout, stderr)


@pytest.fixture
def clean_data():
    return dataset.training_and_validation()


def test_training_writes_the_model_and_prints_metrics_sagemaker_can_parse(tmp_path, clean_data):
    root = opt_ml(tmp_path, {"objective": "multi:softmax", "num_class": "3"}, *clean_data)
    result = train(root, fresh=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "model").iterdir()) == ["model.joblib", "model.json"]
    metrics = apply_metric_definitions(result.stdout, METRICS)
    assert metrics["validation:accuracy"] > 0.9 and set(metrics) == {"validation:accuracy", "validation:f1", "validation:rows"}
    assert metrics["validation:rows"] == 45
    assert not (root / "output" / "failure").exists()


def test_noisier_data_gives_a_lower_validation_metric(tmp_path, clean_data):
    clean = apply_metric_definitions(train(opt_ml(tmp_path / "a", {}, *clean_data)).stdout, METRICS)
    noisy = apply_metric_definitions(train(opt_ml(tmp_path / "b", {}, *dataset.training_and_validation(label_noise=0.2))).stdout, METRICS)
    assert noisy["validation:accuracy"] < clean["validation:accuracy"]


@pytest.mark.parametrize(("hyperparameters", "reason"), [
    ({"max_depth": "-4"}, "HyperparameterError: hyperparameter max_depth=-4 must be at least 1"),
    ({"n_estimators": "many"}, "HyperparameterError: hyperparameter n_estimators='many' is not a whole number"),
    ({"objective": "reg:squarederror"}, "HyperparameterError: hyperparameter objective='reg:squarederror' is not one of"),
    ({"learning_rate": "0.1"}, "HyperparameterError: unknown hyperparameters ['learning_rate']"),
    ({"num_class": "2"}, "DataError: training labels [0.0, 1.0, 2.0] are more than num_class=2"),
])
def test_bad_hyperparameters_exit_non_zero_with_the_reason_in_the_failure_file(tmp_path, clean_data, hyperparameters, reason):
    root = opt_ml(tmp_path, hyperparameters, *clean_data)
    result = train(root)
    assert result.returncode == 1
    assert (root / "output" / "failure").read_text().startswith(reason)


def test_malformed_csv_names_the_file_and_line(tmp_path, clean_data):
    root = opt_ml(tmp_path, {}, b"0,5.1,3.5,1.4,0.2\n1,abc,3.0,4.1,1.3\n", clean_data[1])
    assert train(root).returncode == 1
    assert (root / "output" / "failure").read_text() == "DataError: train/iris.csv line 2: '1,abc,3.0,4.1,1.3' is not numeric: expected label,feature,... numbers"


def test_ragged_rows_and_empty_channels_are_named(tmp_path, clean_data):
    ragged = opt_ml(tmp_path / "a", {}, b"0,5.1,3.5,1.4,0.2\n1,5.0,3.0\n", clean_data[1])
    train(ragged)
    assert "line 2: 3 columns, expected 5" in (ragged / "output" / "failure").read_text()
    empty = opt_ml(tmp_path / "b", {}, b"", clean_data[1])
    train(empty)
    assert "train/iris.csv: no rows" in (empty / "output" / "failure").read_text()


def test_metric_definitions_take_the_last_match_like_sagemaker():
    assert apply_metric_definitions("validation:accuracy=0.5\nvalidation:accuracy=0.75\n", METRICS) == {"validation:accuracy": 0.75}


def champion_channel(root: Path, model_dir: Path | None, garbage: bytes = b"") -> None:
    """The serving model's model.tar.gz in the `champion` channel, as StartTraining passes it."""
    import io
    import tarfile

    channel = root / "input" / "data" / "champion"
    channel.mkdir(parents=True)
    if model_dir is None:
        (channel / "model.tar.gz").write_bytes(garbage)
        return
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(model_dir.iterdir()):
            archive.add(path, arcname=path.name)
    (channel / "model.tar.gz").write_bytes(buffer.getvalue())


def test_the_champion_is_scored_on_the_same_rows_with_a_paired_interval(tmp_path, clean_data):
    yesterday = opt_ml(tmp_path / "yesterday", {}, *dataset.training_and_validation(label_noise=0.3))
    assert train(yesterday).returncode == 0
    today = opt_ml(tmp_path / "today", {}, *clean_data)
    champion_channel(today, yesterday / "model")
    result = train(today)
    metrics = apply_metric_definitions(result.stdout, METRICS)
    assert metrics["validation:accuracy"] > metrics["champion:validation:accuracy"]
    assert metrics["paired:validation:accuracy:lower"] <= metrics["paired:validation:accuracy:diff"] <= metrics["paired:validation:accuracy:upper"]
    assert metrics["paired:validation:accuracy:diff"] == pytest.approx(metrics["validation:accuracy"] - metrics["champion:validation:accuracy"], abs=1e-5)
    assert metrics["paired:validation:accuracy:lower"] > 0, "a model trained on 30 % wrong labels is clearly worse"


def test_a_champion_that_cannot_be_loaded_is_reported_unscorable_and_training_still_succeeds(tmp_path, clean_data):
    today = opt_ml(tmp_path, {}, *clean_data)
    champion_channel(today, None, garbage=b"not a gzip archive")
    result = train(today)
    assert result.returncode == 0
    assert "champion:unscorable cannot load the champion's model" in result.stdout
    assert "champion:validation:accuracy" not in apply_metric_definitions(result.stdout, METRICS)


def test_champion_lines_do_not_collide_with_the_new_models_metrics():
    log = "validation:accuracy=0.9\nchampion:validation:accuracy=0.5\n"
    metrics = apply_metric_definitions(log, METRICS)
    assert (metrics["validation:accuracy"], metrics["champion:validation:accuracy"]) == (0.9, 0.5)


def test_an_interrupted_job_resumes_from_its_checkpoint_to_the_same_forest(tmp_path, clean_data):
    once = opt_ml(tmp_path / "once", {}, *clean_data)
    (once / "checkpoints").mkdir()
    assert train(once).returncode == 0
    interrupted = opt_ml(tmp_path / "interrupted", {}, *clean_data)
    (interrupted / "checkpoints").mkdir()
    stopped = train(interrupted, RETRAIN_STOP_AFTER_CHECKPOINTS="1")
    assert stopped.returncode == 143 and "checkpoint: 25/100 trees" in stopped.stdout
    resumed = train(interrupted)
    assert "resumed from checkpoint: 25/100 trees" in resumed.stdout
    assert apply_metric_definitions(resumed.stdout, METRICS) == apply_metric_definitions(train(opt_ml(tmp_path / "plain", {}, *clean_data)).stdout, METRICS)


def test_pooled_channels_get_the_paired_test_on_their_own_rows_and_an_unreadable_pool_is_said(tmp_path, clean_data):
    yesterday = opt_ml(tmp_path / "yesterday", {}, *dataset.training_and_validation(label_noise=0.3))
    assert train(yesterday).returncode == 0
    today = opt_ml(tmp_path / "today", {}, *clean_data)
    champion_channel(today, yesterday / "model")
    for day in range(4):
        pool = today / "input" / "data" / "pooled-long" / f"2026-11-2{day}" / "multiclass"
        pool.mkdir(parents=True)
        (pool / "iris.csv").write_bytes(dataset.training_and_validation(seed=day)[1])
    (today / "input" / "data" / "pooled-short").mkdir()
    (today / "input" / "data" / "pooled-short" / "iris.csv").write_bytes(b"label,sepal\n1,2\n")
    result = train(today)
    assert result.returncode == 0, result.stderr
    metrics = apply_metric_definitions(result.stdout, METRICS)
    assert metrics["pooled-long:validation:rows"] == 180, "four days of 45 rows"
    long = [metrics[f"pooled-long:paired:validation:accuracy:{part}"] for part in ("lower", "diff", "upper")]
    assert long == sorted(long) and long[0] > 0, "a model trained on 30 % wrong labels is clearly worse on 180 rows too"
    assert "pooled-short:unusable pooled-short/iris.csv line 1: 'label,sepal' is not numeric" in result.stdout
    assert not any(name.startswith("pooled-short:") for name in metrics)
