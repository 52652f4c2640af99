"""Many targets per stack, rendered: fifty targets fit every size limit, and what grows with them is data, not IAM."""

import json

import botocore.session
import pytest

import render
from local_aws.template import load, resources_of_type
from pipeline_common import targets

FIFTY = [{"name": f"model-{i:02d}", "overrides": {"hyperparameters": {"max_depth": i % 7 + 1}, "metric_floor": 0.5}} for i in range(50)]
ARN = "arn:aws:lambda:us-east-1:123456789012:function:retrain-prod-DataCheckerFunction-AbCdEfGhIjKl"   # a substitution at its longest
CFN_MAX_RESOURCES, CFN_MAX_TEMPLATE_BYTES, LAMBDA_MAX_ENVIRONMENT_BYTES = 500, 1_000_000, 4096   # docs/aws-behaviours.md, fan-out-limits
PAYLOAD_MAX_BYTES = 262_144                                                                       # fan-out-limits


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    rendered = {}
    for count in (2, 50):
        out = tmp_path_factory.mktemp(f"targets-{count}")
        rendered[count] = {"out": out, "written": render.render(out_dir=out, fan_out={"targets": FIFTY[:count], "max_concurrency": 10})}
    return rendered


def definition_bytes(path) -> int:
    text = path.read_text()
    for key in {part.split("}")[0] for part in text.split("${")[1:]}:
        text = text.replace("${" + key + "}", ARN)
    return len(text.encode())


def test_fifty_targets_fit_the_state_machine_definition_limit(builds):
    limit = botocore.session.get_session().get_service_model("stepfunctions").shape_for("Definition").metadata["max"]
    assert limit == 1_048_576
    written = builds[50]["written"]
    fan_out, pipeline = definition_bytes(written[render.FAN_OUT_TEMPLATE]), definition_bytes(written[render.STATE_MACHINE_TEMPLATE])
    assert fan_out < 20_000 and pipeline < limit / 4
    # targets are data: fifty cost the fan-out only their declared list, the pipeline nothing
    assert definition_bytes(builds[2]["written"][render.STATE_MACHINE_TEMPLATE]) == pipeline
    assert fan_out - definition_bytes(builds[2]["written"][render.FAN_OUT_TEMPLATE]) == len(json.dumps(FIFTY)) - len(json.dumps(FIFTY[:2]))


def test_fifty_targets_add_no_resource_and_fit_cloudformation_and_lambda_limits(builds):
    path = builds[50]["written"][render.TEMPLATE]
    template = load(path)
    assert len(path.read_bytes()) < CFN_MAX_TEMPLATE_BYTES
    assert set(template["Resources"]) == set(load(builds[2]["written"][render.TEMPLATE])["Resources"])    # targets are data
    assert len(template["Resources"]) < CFN_MAX_RESOURCES
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert list(alarms) == ["ExecutionsFailedAlarm"]            # each target's rollback alarms: DeployModel creates them
    (rule,) = resources_of_type(template, "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["detail"]["ModelPackageGroupName"] == [{"prefix": {"Fn::Sub": "${ResourcePrefix}-"}}]
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": "FanOutStateMachine"}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        environment = {**variables, **function["Properties"]["Environment"]["Variables"]}
        # written as CloudFormation (a {"Ref": ...} is mostly longer than the value it becomes): the same for 2 targets or 300
        assert sum(len(k) + len(json.dumps(v)) for k, v in environment.items()) < LAMBDA_MAX_ENVIRONMENT_BYTES * 0.6, name


def test_the_most_targets_a_day_fit_the_fan_outs_state_payload():
    """After the Map the state holds the plan (each target with its overrides) and every outcome; the digest's input too."""
    arn = "arn:aws:states:ap-southeast-2:123456789012:execution:retrain-production-RetrainStateMachine-AbCdEfGhIjKl"
    planned = {"name": "t" * 30, "overrides": {"hyperparameters": {"objective": "multi:softmax", "num_class": "10", "max_depth": "6"},
                                               "training_instance_type": "ml.m5.xlarge", "rollout_strategy": "Canary"}}
    outcome = {"target": "t" * 30, "status": "SUCCEEDED", "execution_arn": f"{arn}:{'t' * 30}-{'0' * 36}"}
    per_target = len(json.dumps(planned)) + len(json.dumps(outcome)) + 4
    assert per_target * targets.MAX_TARGETS + 20_000 < PAYLOAD_MAX_BYTES, per_target   # 20 KB: the rest of the state


def iam_statements(template) -> list[dict]:
    found = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for policy in properties.get("Policies", []) if isinstance(properties.get("Policies"), list) else []:
            found += policy.get("PolicyDocument", policy).get("Statement", []) if isinstance(policy, dict) else []
    return found


def test_iam_does_not_grow_with_the_targets_and_reaches_only_this_stacks_prefix(builds):
    two, fifty = (load(builds[n]["written"][render.TEMPLATE]) for n in (2, 50))
    assert json.dumps(iam_statements(two)) == json.dumps(iam_statements(fifty))
    text = json.dumps(iam_statements(fifty))
    assert "${Target}" not in text and "${EndpointName}" not in text
    for statement in iam_statements(fifty):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        changes = [a for a in actions if a.startswith("sagemaker:") and not a.startswith(("sagemaker:Describe", "sagemaker:List"))]
        for resource in resources if changes else []:
            assert "${ResourcePrefix}-" in json.dumps(resource), (changes, resource)


def test_one_target_renders_no_fan_out_and_keeps_its_parameters(tmp_path):
    written = render.render(out_dir=tmp_path)
    assert render.FAN_OUT_TEMPLATE not in written and not (tmp_path / "statemachine" / "fanout.asl.json").exists()
    template = load(written[render.TEMPLATE])
    assert "FanOutStateMachine" not in template["Resources"] and "Daily" in template["Resources"]["RetrainStateMachine"]["Properties"]["Events"]


@pytest.mark.parametrize(("targets", "problem"), [
    (["churn"], "lists one target (churn): one target needs no fan-out"),
    (["churn", "churn"], "lists churn more than once"),
    ([{"name": "churn", "overrides": {"rollout_strategy": "Fast"}}, "fraud"], 'override rollout_strategy="Fast" is not one of'),
    ([{"name": "churn", "enabled": False}, "fraud"], "'enabled' belongs in the targets file"),
    ([f"m{i}" for i in range(targets.MAX_TARGETS + 1)], f"lists {targets.MAX_TARGETS + 1} targets, at most {targets.MAX_TARGETS} a stack"),
])
def test_a_bad_targets_list_fails_the_build_naming_the_value(tmp_path, targets, problem):
    with pytest.raises(render.RenderError, match="fan_out.targets") as refused:
        render.render(out_dir=tmp_path, fan_out={"targets": targets})
    assert problem in str(refused.value)
