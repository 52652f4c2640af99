"""Every combination of the optional stages (and, with batch_predict, either deploy target) renders to a state
machine whose every path is wired, and the documented diagram (docs/how-it-works.md) is the one the default config renders."""

import json
import re
import sys
from pathlib import Path

import pytest

import render
from pipeline_common import in_use, stages
from statemachine import diagram

ROOT = Path(render.__file__).resolve().parent
BUILDS = render.every_build()


def rendered(tmp_path: Path, enabled: list[str], target: str = in_use.ENDPOINT) -> tuple[dict, str]:
    written = render.render(out_dir=tmp_path, enabled_stages=enabled, deploy_target=target)
    return json.loads(written[render.STATE_MACHINE_TEMPLATE].read_text()), written[render.TEMPLATE].read_text()


@pytest.mark.parametrize(("enabled", "deploy_target"), BUILDS, ids=lambda v: v if isinstance(v, str) else "+".join(v) or "none")
def test_every_build_renders_only_its_stages_and_target_fully_wired(tmp_path, enabled, deploy_target):
    asl, template = rendered(tmp_path, enabled, deploy_target)
    states = asl["States"]
    for name, state in states.items():
        for target in [state.get("Next"), state.get("Default")] + [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])]:
            assert target is None or target in states, f"{name} -> {target}"
    reachable, todo = set(), [asl["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        state = states[name]
        todo += [t for t in [state.get("Next"), state.get("Default")] + [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])] if t]
    assert reachable == set(states), f"unreachable: {set(states) - reachable}"
    for job in stages.JOBS.values():
        present = f"Create{job.state}" in states
        assert present == (job.stage in enabled), job.key
        if present:
            create = states[f"Create{job.state}"]
            assert create["Resource"] == f"arn:aws:states:::sagemaker:{job.api}"
            assert {k.removesuffix(".$") for k in create["Parameters"]} - {"RoleArn"} == set(job.request_keys)
            assert create["Catch"][0]["Next"] == f"Adopt{job.state}"
            (retry,) = create["Retry"]
            assert retry["ErrorEquals"] == render.SAGEMAKER_INTEGRATION_ERRORS == ["SageMaker.AmazonSageMakerException"]
            assert (retry["MaxAttempts"], retry["BackoffRate"]) == (render.load_config(render.DEFAULT_CONFIG)["retry"]["max_attempts"],
                                                                    render.load_config(render.DEFAULT_CONFIG)["retry"]["backoff_rate"])
    assert ("RetrainBelow:" in template) == ("evaluate_first" in enabled)
    assert ("sagemaker:CreateTransformJob" in template) == bool({"evaluate_first", "batch_predict"} & set(enabled))
    build = render.with_build(render.load_config(render.DEFAULT_CONFIG), enabled, deploy_target)
    assert asl["TimeoutSeconds"] == render.state_machine_timeout(build) >= render.state_machine_timeout(render.load_config(render.DEFAULT_CONFIG)) - (
        0 if deploy_target == in_use.ENDPOINT else render.endpoint_loop_seconds(build))
    endpoint = deploy_target == in_use.ENDPOINT
    assert ("InitEndpointPoll" in states, "RecordDeployment" in states, "NotifyRegistered" in states) == (endpoint, endpoint, not endpoint)
    for endpoint_only in ("EndpointName", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "application-autoscaling:", "AWS/SageMaker",
                          "HostingMode", "RolloutStrategy"):
        assert (endpoint_only in template) == endpoint, endpoint_only
    assert f"DEPLOY_TARGET: {deploy_target}" in template


def test_batch_without_batch_predict_is_refused_naming_what_it_needs(tmp_path):
    with pytest.raises(render.RenderError, match="deploy_target batch needs the batch_predict stage"):
        render.render(out_dir=tmp_path, enabled_stages=["preprocess"], deploy_target="batch")
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "pipeline-config.yaml").read_text().replace("deploy_target: endpoint", "deploy_target: lambda"))
    with pytest.raises(render.RenderError, match="deploy_target is 'lambda', expected one of endpoint, batch"):
        render.load_config(config)


def test_the_stage_requests_carry_every_key_the_asl_passes_to_sagemaker():
    sys.path.insert(0, str(ROOT / "lambda_functions" / "start_training"))
    import stage_jobs

    settings = {"prefix": "p", "target": "t", "stack": "s", "file_name": "f.csv", "day_output": "s3://b/o/", "code": "s3://b/code/",
                "processing_image": "img", "processing_instance_type": "ml.m5.large", "processing_max_runtime_seconds": 60,
                "transform_instance_type": "ml.m5.large", "uri": lambda variable: f"s3://b/{variable}/"}
    processing = stage_jobs.processing_request("p-t-20261124-pre", settings, "preprocess.py", {"raw": "s3://b/raw/"}, {"train": "s3://b/tr/"}, [], [])
    transform = stage_jobs.transform_request("p-t-20261124-bp", settings, "model", "s3://b/in/", "s3://b/out/", {"InputFilter": "$"}, [])
    assert set(processing) == set(stages.PROCESSING_REQUEST_KEYS)
    assert set(transform) == set(stages.TRANSFORM_REQUEST_KEYS)
    assert processing["AppSpecification"]["ContainerArguments"] == ["--raw", "/opt/ml/processing/input/raw", "--train", "/opt/ml/processing/output/train"]


def test_an_unknown_stage_is_named_with_the_known_ones(tmp_path):
    with pytest.raises(render.RenderError, match="unknown stage bogus: expected any of preprocess, evaluate_first, batch_predict"):
        render.render(out_dir=tmp_path, enabled_stages=["bogus"])


def test_a_stage_flag_that_is_not_a_boolean_is_refused(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "pipeline-config.yaml").read_text().replace("preprocess: false", "preprocess: yes please"))
    with pytest.raises(render.RenderError, match="'stages.preprocess' is 'yes please', expected true or false"):
        render.load_config(config)


def test_the_documented_diagram_is_the_rendered_state_machine(tmp_path):
    """Run `make diagram` when this fails: docs/how-it-works.md must show the state machine pipeline-config.yaml builds."""
    written = render.render(out_dir=tmp_path)
    page = (ROOT / "docs" / "how-it-works.md").read_text()
    assert diagram.block(written[render.STATE_MACHINE_TEMPLATE]) in page


def test_the_diagram_folds_loops_and_shows_enabled_stages(tmp_path):
    asl, _ = rendered(tmp_path, ["preprocess", "batch_predict"])
    chart = diagram.mermaid(asl)
    assert '"poll Preprocess"' in chart and '"poll BatchPredict"' in chart
    assert "WaitForTraining" not in chart and "ScoreServingModel" not in chart
    assert not re.search(r"\"(Preprocess|BatchPredict|Training)Failed\"", chart), "failure Pass states fold into NotifyFailure"
