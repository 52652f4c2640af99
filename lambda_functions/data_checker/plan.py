"""PlanTargets (the fan-out's first step): which targets run today, for which date, how many at once."""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline_common import config, events, quotas, registry, targets
from pipeline_common.aws import is_not_found, retryable_errors
from pipeline_common.errors import AwsThrottled, AwsUnavailable, InvalidInput

STEP = "PlanTargets"


def read_targets_file(s3, bucket: str, key: str) -> tuple[list[Any] | None, str]:
    """The file's entries, or None and why (no file: the declared targets run as configured)."""
    if not key:
        return None, ""
    uri = f"s3://{bucket}/{key}"
    try:
        with retryable_errors(f"GetObject {uri}"):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if is_not_found(error):
            return None, f"targets file {uri} does not exist: every declared target ran with pipeline-config.yaml's overrides"
        raise
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"targets file {uri} is not JSON ({error}): expected {{\"targets\": [{{\"name\": ..., \"overrides\": {{...}}}}]}}") from None
    if not isinstance(document, dict) or not isinstance(document.get("targets"), list):
        raise InvalidInput(f"targets file {uri} has no list 'targets': expected {{\"targets\": [{{\"name\": ..., \"overrides\": {{...}}}}]}}")
    return document["targets"], ""


def concurrency(service_quotas, wanted: int, runnable: int) -> tuple[int, str]:
    """``wanted`` (fan_out.max_concurrency), lowered so every target at once fits the quotas' room: one training job
    each, and with instance endpoints a second fleet each (a blue/green update). Advice, like the preflight: when
    Service Quotas cannot answer, ``wanted`` stands and the note says why."""
    training = (config.required("TRAINING_INSTANCE_TYPE"), config.required_int("TRAINING_INSTANCE_COUNT", minimum=1))
    needs = [(quotas.training_quota(training[0], config.optional("MANAGED_SPOT_TRAINING") == "true"), training[1])]
    if config.optional("HOSTING_MODE", "Serverless") == "Instance":
        needs.append((f"{config.required('HOSTING_INSTANCE_TYPE')} for endpoint usage", config.required_int("HOSTING_INSTANCE_COUNT", minimum=1)))
    try:
        limits = {**quotas.default_quotas(service_quotas), **quotas.applied_quotas(service_quotas)}
    except (ClientError, BotoCoreError, AwsThrottled, AwsUnavailable) as error:
        return max(1, min(wanted, runnable)), f"Service Quotas could not be read ({type(error).__name__}): {wanted} at once, unchecked"
    allowed, notes = wanted, []
    for quota, per_target in needs:
        if quota in limits and int(limits[quota] // per_target) < allowed:
            allowed = int(limits[quota] // per_target)
            notes.append(f"quota '{quota}' is {limits[quota]:g} ({per_target} per target)")
    allowed = max(1, min(allowed, runnable or 1))
    note = f"{allowed} targets at once instead of {wanted}: " + "; ".join(notes) if notes and allowed < min(wanted, runnable) else ""
    return allowed, note


def plan(event: dict[str, Any], s3, service_quotas, run_date: str) -> dict[str, Any]:
    request = events.read(event, "plan", dict, STEP)
    declared = events.read(event, "plan.declared", list, STEP)
    run_input = events.read(event, "plan.input", object, STEP, default={})
    only = run_input.get("TARGETS") if isinstance(run_input, dict) else None
    if only is not None and not (isinstance(only, list) and all(isinstance(name, str) for name in only)):
        raise InvalidInput(f"execution input TARGETS is {only!r}: expected a list of target names")
    if only is None and isinstance(run_input, dict) and isinstance(run_input.get("GROUP"), str):   # the approval rule's
        only = [targets.target_of_group(config.required("RESOURCE_PREFIX"), run_input["GROUP"])]
    from_file, note = read_targets_file(s3, config.required("BUCKET"), config.optional("TARGETS_FILE_KEY"))
    runnable, skipped = targets.plan(declared, from_file, only, config.required("RESOURCE_PREFIX"))
    at_once, quota_note = concurrency(service_quotas, int(request.get("max_concurrency", 1)), len(runnable))
    # An approval or a rollback (scripts/rollback --target) deploys its package through the target's run.
    operator = {key: run_input[key] for key in (registry.DEPLOY_PACKAGE, "ORIGIN", "REQUESTED_BY", "REASON", "PROMOTE")
                if isinstance(run_input, dict) and key in run_input}
    return {"targets": runnable, "skipped": skipped, "max_concurrency": at_once, "run_input": {"DATE": run_date, **operator},
            "notes": [n for n in (note, quota_note) if n]}
