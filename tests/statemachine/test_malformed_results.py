"""A handler answering without a key the ASL reads: on AWS that would be States.Runtime and a silent end.

Each work function in turn returns {} (its code is replaced, the rest of the run is real): the run
must end FAILED through the failure notification, naming the step and what it returned.
"""

import json

import pytest

from local_aws import runner
from local_aws.lambdas import Runtime
from local_aws.scenarios import SCENARIOS

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(("function", "error"), [
    ("DataCheckerFunction", "CheckDataResultMalformed"),
    ("StartTrainingFunction", "StartTrainingResultMalformed"),
    ("GetStatusFunction", "GetTrainingStatusResultMalformed"),
    ("DeployModelFunction", "DeployModelResultMalformed"),
])
def test_a_result_without_the_keys_the_asl_reads_fails_loudly_with_a_message(monkeypatch, function, error):
    real_invoke = Runtime.invoke

    def invoke(self, name, event):
        if name.rsplit(":", 1)[-1].endswith(f"-{function}"):
            return json.dumps({}).encode(), False
        return real_invoke(self, name, event)

    monkeypatch.setattr(Runtime, "invoke", invoke)
    summary = runner.run(SCENARIOS["happy"], printer=lambda line: None)
    assert summary.status == "FAILED" and summary.error == error
    assert summary.states[-2:] == ["NotifyFailure", "PipelineFailed"]
    (failed,) = [m for m in summary.slack if m["headline"] == "Pipeline FAILED"]
    assert error in "\n".join(failed["lines"]) and "returned a result without one of" in summary.cause
