"""The example container's training contract: /opt/ml in, model + metrics + failure file out."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local_aws import dataset
from local_aws.containers import apply_metric_definitions

CONTAINER = Path(__file__).resolve().parents[2] / "training"
METRICS = [{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}, {"Name": "validation:f1", "Regex": "validation:f1=([0-9.]+)"}]


def opt_ml(tmp_path: Path, hyperparameters: dict, training: bytes, validation: bytes) -> Path:
    root = tmp_path / "opt" / "ml"
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    for channel, body in (("train", training), ("validation", validation)):
        (root / "input" / "data" / channel).mkdir(parents=True)
        (root / "input" / "data" / channel / "iris.csv").write_bytes(body)
    return root


def train(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CONTAINER / "train")], env={"ML_ROOT": str(root), "PYTHONPATH": str(CONTAINER)},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def clean_data():
    return dataset.training_and_validation()


def test_training_writes_the_model_and_prints_metrics_sagemaker_can_parse(tmp_path, clean_data):
    root = opt_ml(tmp_path, {"objective": "multi:softmax", "num_class": "3"}, *clean_data)
    result = train(root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "model").iterdir()) == ["model.joblib", "model.json"]
    metrics = apply_metric_definitions(result.stdout, METRICS)
    assert metrics["validation:accuracy"] > 0.9 and set(metrics) == {"validation:accuracy", "validation:f1"}
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
