"""The example container's hosting contract: GET /ping and POST /invocations (text/csv) on a port."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local_aws import dataset
from local_aws.containers import free_port
from tests.training.test_train import CONTAINER, opt_ml, train


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    root = opt_ml(tmp, {"objective": "multi:softmax"}, *dataset.training_and_validation())
    assert train(root).returncode == 0
    port = free_port()
    process = subprocess.Popen([sys.executable, str(CONTAINER / "serve")], stdout=subprocess.PIPE,
                               env={"ML_ROOT": str(root), "PYTHONPATH": str(CONTAINER), "SAGEMAKER_BIND_TO_PORT": str(port)})
    assert b"serving on port" in process.stdout.readline()
    yield f"http://127.0.0.1:{port}", root
    process.terminate()
    process.wait(timeout=10)


def post(url: str, body: bytes, content_type: str = "text/csv") -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/invocations", data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_ping_answers_200(server):
    with urllib.request.urlopen(f"{server[0]}/ping", timeout=5) as response:
        assert response.status == 200


def test_invocations_predict_one_class_per_csv_row(server):
    status, body = post(server[0], b"5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    assert (status, body.split()) == (200, ["0", "2"])


def test_rows_with_the_label_column_are_rejected_clearly(server):
    status, body = post(server[0], b"0,5.1,3.5,1.4,0.2\n")
    assert status == 400 and "5 columns, the model expects 4 features" in body


def test_other_content_types_are_refused(server):
    status, body = post(server[0], json.dumps([[5.1, 3.5, 1.4, 0.2]]).encode(), "application/json")
    assert status == 415 and "expected text/csv" in body


def test_softprob_objective_returns_probabilities(tmp_path):
    root = opt_ml(tmp_path, {"objective": "multi:softprob"}, *dataset.training_and_validation())
    assert train(root).returncode == 0
    sys.path.insert(0, str(CONTAINER))
    import os

    os.environ["ML_ROOT"] = str(root)
    try:
        from retrain_model.serve import Predictor

        probabilities = [float(p) for p in Predictor().predict_csv("5.1,3.5,1.4,0.2\n").split(",")]
    finally:
        del os.environ["ML_ROOT"]
    assert len(probabilities) == 3 and abs(sum(probabilities) - 1) < 1e-6 and probabilities[0] > 0.9
    assert Path(root / "model" / "model.json").exists()
