"""The requests of the optional stages' jobs (Processing and Transform), built where the names are known.

The state machine creates each job with the SageMaker service integration from the request
returned here; a job that already exists for the data date is adopted instead.
"""

from datetime import date
from typing import Any

from pipeline_common import config, events, in_use, jobs, names, stages
from pipeline_common.aws import retryable_errors
from pipeline_common.errors import InvalidInput, JobNotStarted

STEP = "StartTraining"
ROOT = stages.PROCESSING_LOCAL_ROOT
DEPLOYED_ACTIONS = ("created", "updated", "unchanged", "registered")


def settings_from_environment(data_day: date) -> dict[str, Any]:
    bucket, target = config.required("BUCKET"), config.required("TARGET")
    day = data_day.isoformat()

    def uri(prefix_variable: str) -> str:
        return f"s3://{bucket}/{config.required(prefix_variable).strip('/')}/{day}/{target}/"

    return {
        "bucket": bucket,
        "target": target,
        "prefix": config.required("RESOURCE_PREFIX"),
        "stack": config.required("STACK_NAME"),
        "file_name": config.required("DATA_FILE_NAME"),
        "day_output": uri("OUTPUT_PREFIX"),
        "code": f"s3://{bucket}/{config.required('PROCESSING_CODE_PREFIX').strip('/')}/",
        "processing_image": config.required("PROCESSING_IMAGE"),
        "processing_instance_type": config.required("PROCESSING_INSTANCE_TYPE"),
        "processing_max_runtime_seconds": config.required_int("PROCESSING_MAX_RUNTIME_SECONDS", minimum=1),
        "transform_instance_type": config.required("TRANSFORM_INSTANCE_TYPE"),
        "uri": uri,
    }


def processing_request(name: str, settings: dict[str, Any], script: str, inputs: dict[str, str], outputs: dict[str, str],
                       arguments: list[str], tags: list[dict[str, str]]) -> dict[str, Any]:
    """Script mode: the script is an input like the data; each input and output is passed to it as --NAME LOCAL_PATH."""
    code = f"{ROOT}/input/code"
    local_in = {input_name: f"{ROOT}/input/{input_name}" for input_name in inputs}
    local_out = {output_name: f"{ROOT}/output/{output_name}" for output_name in outputs}
    paths = [arg for pair in [*local_in.items(), *local_out.items()] for arg in (f"--{pair[0]}", pair[1])]
    return {
        "ProcessingJobName": name,
        "AppSpecification": {"ImageUri": settings["processing_image"], "ContainerEntrypoint": ["python3", f"{code}/{script}"],
                             "ContainerArguments": paths + arguments},
        "ProcessingInputs": [
            {"InputName": input_name, "S3Input": {"S3Uri": uri, "LocalPath": local, "S3DataType": "S3Prefix", "S3InputMode": "File",
                                                  "S3DataDistributionType": "FullyReplicated"}}
            for input_name, uri, local in [("code", settings["code"] + script, code)] + [(n, inputs[n], local_in[n]) for n in inputs]
        ],
        "ProcessingOutputConfig": {"Outputs": [
            {"OutputName": output_name, "S3Output": {"S3Uri": uri, "LocalPath": local_out[output_name], "S3UploadMode": "EndOfJob"}}
            for output_name, uri in outputs.items()
        ]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": settings["processing_instance_type"], "VolumeSizeInGB": 30}},
        "StoppingCondition": {"MaxRuntimeInSeconds": settings["processing_max_runtime_seconds"]},
        "Tags": tags,
    }


def transform_request(name: str, settings: dict[str, Any], model: str, input_uri: str, output_uri: str, data_processing: dict[str, str],
                      tags: list[dict[str, str]]) -> dict[str, Any]:
    """One CSV row per record; the output joins each input row with its prediction (``data_processing`` says how)."""
    return {
        "TransformJobName": name,
        "ModelName": model,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}}, "ContentType": "text/csv", "SplitType": "Line"},
        "TransformOutput": {"S3OutputPath": output_uri, "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": settings["transform_instance_type"], "InstanceCount": 1},
        "DataProcessing": data_processing,
        "BatchStrategy": "MultiRecord",
        "Tags": tags,
    }


def prediction_model(sagemaker, s3, state: dict[str, Any]) -> tuple[str, str]:
    """The model today's predictions come from, and why: today's when it was deployed, else the one in use."""
    deployment = state.get("deployment") if isinstance(state.get("deployment"), dict) else {}
    if deployment.get("action") in DEPLOYED_ACTIONS and deployment.get("model_name"):
        return deployment["model_name"], "today's model"
    serving = in_use.current(sagemaker, s3)
    return serving["model_name"], f"the model in use ({serving['why']})" if serving["model_name"] else serving["why"]


def has_objects(s3, uri: str) -> bool:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    with retryable_errors(f"ListObjectsV2 {uri}"):
        return s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0) > 0


def build(job: stages.Job, name: str, settings: dict[str, Any], state: dict[str, Any], sagemaker, s3,
          tags: list[dict[str, str]]) -> dict[str, Any]:
    """The job's request and what the run reports about it, or ``skip`` with the reason."""
    if job.key == "preprocess":
        raw = events.read(state, "data.uris.raw", str, STEP)
        outputs = {"train": settings["uri"]("TRAINING_PREFIX"), "validation": settings["uri"]("VALIDATION_PREFIX")}
        request = processing_request(name, settings, config.required("PREPROCESS_SCRIPT"), {"raw": raw.rsplit("/", 1)[0] + "/"}, outputs,
                                     ["--file-name", settings["file_name"]], tags)
        return {"request": request, "input_uri": raw, "output_uri": outputs["train"], "outputs": outputs}
    if job.key == "score_serving":
        serving = in_use.current(sagemaker, s3)
        if not serving["model_name"]:
            return {"skip": True, "why": f"no model to evaluate ({serving['why']}): training without evaluating first"}
        labelled = events.read(state, "data.uris.validation", str, STEP)
        output = f"{settings['day_output']}evaluation/{name}/"
        request = transform_request(name, settings, serving["model_name"], labelled, output,
                                    {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"}, tags)
        return {"request": request, "model_name": serving["model_name"], "input_uri": labelled, "output_uri": output}
    if job.key == "evaluate_serving":
        scores = events.read(state, "score_serving.output_uri", str, STEP)
        output = f"{settings['day_output']}evaluation/{name}/"
        request = processing_request(name, settings, "evaluate.py", {"scores": scores}, {"evaluation": output},
                                     ["--metric-name", config.required("OBJECTIVE_METRIC_NAME")], tags)
        return {"request": request, "model_name": events.read(state, "score_serving.model_name", str, STEP), "input_uri": scores, "output_uri": output}
    if job.key == "batch_predict":
        input_uri, output = settings["uri"]("PREDICTION_INPUT_PREFIX"), settings["uri"]("PREDICTION_OUTPUT_PREFIX")
        if not has_objects(s3, input_uri):
            return {"skip": True, "why": f"no prediction input under {input_uri}", "input_uri": input_uri}
        model, why = prediction_model(sagemaker, s3, state)
        if not model:
            return {"skip": True, "why": f"no model to predict with ({why})", "input_uri": input_uri}
        request = transform_request(name, settings, model, input_uri, output, {"InputFilter": "$", "JoinSource": "Input", "OutputFilter": "$"}, tags)
        return {"request": request, "model_name": model, "model_why": why, "input_uri": input_uri, "output_uri": output}
    raise InvalidInput(f"{STEP}: stage job {job.key!r} is not one of {', '.join(stages.JOBS)}")


def prepare(event: dict[str, Any], sagemaker, s3) -> dict[str, Any]:
    """The stage job of the day: adopted when it exists, else its request (or why it is skipped).

    After the state machine's create call failed (``create_error``), a job that exists now is
    adopted (the call had in fact gone through, or a concurrent run created it); otherwise the
    failure is raised with SageMaker's own words.
    """
    key = events.read(event, "stage", str, STEP)
    job = stages.JOBS.get(key)
    if job is None:
        raise InvalidInput(f"{STEP}: stage {key!r} is not one of {', '.join(stages.JOBS)}")
    state = events.read(event, "state", dict, STEP)
    raw_date = events.read(state, "data.data_date", str, STEP)
    try:
        data_day = date.fromisoformat(raw_date)
    except ValueError:
        raise InvalidInput(f"{STEP}: 'state.data.data_date' is {raw_date!r}, expected YYYY-MM-DD") from None
    create_error = events.read(event, "create_error", (dict, type(None)), STEP, default=None)
    settings = settings_from_environment(data_day)
    name, existing = jobs.current_attempt(lambda job_name: stages.describe(sagemaker, job.kind, job_name),
                                          lambda attempt: names.job_name(settings["prefix"], settings["target"], data_day, attempt, job.suffix),
                                          job.kind, stages.STATUS_KEYS[job.kind], f"{stages.noun(job.kind)} job")
    result = {"job_name": name, "kind": job.kind, "adopt": existing is not None, "skip": False, "why": "", "request": {}}
    if create_error is not None:
        if existing is None:
            raise JobNotStarted(f"{job.api[0].upper() + job.api[1:]} {name} failed ({job.description}): "
                                f"{create_error.get('Error', 'unknown error')}: {create_error.get('Cause', 'no cause given')}")
        return {**result, "why": "created by the call that reported an error"}
    if existing is not None:
        facts = adopted_facts(job, existing)
        if job.key == "evaluate_serving":
            facts["model_name"] = events.read(state, "score_serving.model_name", str, STEP, default="")
        return {**result, **facts}
    execution = events.read(event, "execution", str, STEP, default="")
    tags = names.tags(settings["stack"], data_day.isoformat(), execution)
    return {**result, **build(job, name, settings, state, sagemaker, s3, tags)}


def adopted_facts(job: stages.Job, existing: dict[str, Any]) -> dict[str, Any]:
    """What a later state reads of a job this run adopts, from its description."""
    if job.kind == stages.TRANSFORM_JOB:
        return {"model_name": existing.get("ModelName", ""), "output_uri": existing.get("TransformOutput", {}).get("S3OutputPath", ""),
                "input_uri": existing.get("TransformInput", {}).get("DataSource", {}).get("S3DataSource", {}).get("S3Uri", "")}
    outputs = {o["OutputName"]: o["S3Output"]["S3Uri"] for o in existing.get("ProcessingOutputConfig", {}).get("Outputs", [])}
    first = next(iter(outputs.values()), "")
    return {"output_uri": outputs.get("train", first), "outputs": outputs}
