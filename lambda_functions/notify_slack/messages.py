"""Block Kit messages, one per event kind, with the facts an on-call engineer needs."""

import json
from typing import Any
from urllib.parse import quote

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

KINDS = ("started", "training_done", "deployed", "registered", "not_deployed", "pending_approval", "already_serving", "no_data", "still_good",
         "predictions", "no_predictions", "failed")
MAX_CAUSE_CHARS = 1500
ICONS = {"failed": ":red_circle:", "not_deployed": ":warning:", "no_data": ":zzz:", "deployed": ":white_check_mark:", "registered": ":white_check_mark:",
         "already_serving": ":white_check_mark:", "pending_approval": ":hourglass:",
         "still_good": ":white_check_mark:", "predictions": ":bar_chart:", "no_predictions": ":zzz:"}


def console_links(region: str, state: dict[str, Any], execution: str) -> list[tuple[str, str]]:
    console = f"https://{region}.console.aws.amazon.com"
    links = [("Execution", f"{console}/states/home?region={region}#/v2/executions/details/{quote(execution, safe=':')}")]
    job = _obj(state.get("training")).get("job_name")
    if job:
        links.append(("Training job", f"{console}/sagemaker/home?region={region}#/jobs/{job}"))
        links.append(("Training logs", f"{console}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/"
                                       f"$252Faws$252Fsagemaker$252FTrainingJobs$3FlogStreamNameFilter$3D{job}"))
    endpoint = _obj(state.get("deployment")).get("endpoint_name")
    if endpoint:
        links.append(("Endpoint", f"{console}/sagemaker/home?region={region}#/endpoints/{endpoint}"))
    return links


def readable_cause(cause: Any) -> str:
    """A Lambda error's cause is a JSON document; the operator needs its message, not the trace."""
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and "errorMessage" in parsed:
            cause = parsed["errorMessage"]
    text = str(cause or "no cause given")
    return text if len(text) <= MAX_CAUSE_CHARS else text[:MAX_CAUSE_CHARS] + "…"


def _obj(value: Any) -> dict[str, Any]:
    """A section of the execution state, or {} when it is missing or not an object: a message is always built."""
    return value if isinstance(value, dict) else {}


def _not_recorded(deployment: dict[str, Any]) -> str:
    """Why RecordDeployment could not write the deployment history: model-history and rollback will not know it."""
    failure = _obj(deployment.get("record_error"))
    if not failure:
        return ""
    return (f"{failure.get('Error', 'Error')}: {readable_cause(failure.get('Cause'))}. The deployment history lacks this deployment: model-history will not "
            "show it and rollback cannot go back past it; fix the cause (the DeploymentHistory output names the place)")


def _metrics_text(metrics: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {value:g}" if isinstance(value, (int, float)) else f"{name} = {value}" for name, value in sorted(metrics.items())) or "none reported"


def _training_time(status: dict[str, Any]) -> str:
    trained, billable = status.get("training_seconds"), status.get("billable_seconds")
    text = f"{trained if trained is not None else '?'} s, billable {billable if billable is not None else '?'} s"
    if isinstance(trained, int | float) and isinstance(billable, int | float) and trained > 0 and billable < trained:
        text += f" (managed spot saved {1 - billable / trained:.0%})"
    return text


def _replaced(deployment: dict[str, Any]) -> str:
    model, package = deployment.get("previous_model"), deployment.get("previous_model_package")
    if not model:
        return ""
    return f"model {model}" + (f" (package {package})" if package else " (not from this pipeline's registry)")


def _batch(deployment: dict[str, Any]) -> bool:
    """DeployModel reports an empty endpoint name when the stack has no endpoint (deploy_target batch)."""
    return deployment.get("endpoint_name") == ""


def _unchanged(deployment: dict[str, Any]) -> str:
    return "the model in use for batch predictions is unchanged" if _batch(deployment) else "the endpoint is unchanged"


def _still_serving(deployment: dict[str, Any]) -> str:
    if _batch(deployment):
        return deployment.get("previous_model") or "nothing (no version in use yet)"
    return deployment.get("previous_config") or "nothing (no endpoint yet)"


COMPARISONS = {
    "same-data": "champion scored on the same rows",
    "recorded": "the serving model's recorded metric (not the same data)",
    "none": "no serving model: floor only",
}


def _gate_text(gate: dict[str, Any], day: str = "") -> str:
    def number(value):
        return "—" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)

    comparison = gate.get("comparison", "none")
    evidence = str(gate.get("evidence") or "")
    rows = f" on {number(gate['rows'])} rows" if gate.get("rows") is not None and not evidence.startswith("the last") else ""
    data = f" of data {day}" if day else ""
    champion = "champion" if comparison == "same-data" else "serving"
    return (
        f"{gate.get('metric')}: new {number(gate.get('candidate'))}, {champion} {number(gate.get('current'))}{rows}{data}, "
        f"floor {number(gate.get('floor'))}; comparison: {COMPARISONS.get(comparison, comparison)}"
        + (f"; decided on {evidence}" if evidence else "") + f". {gate.get('reason', '')}"
    )


def _stale(stale: dict[str, Any]) -> str:
    """The warning said every day once the serving model is StaleAfterDays old (empty: no warning, the field is left out)."""
    if not stale:
        return ""
    kept = stale.get("kept_out", 0)
    return (f":warning: version {stale.get('version')} has served for {stale.get('age_days')} days (trained on data of {stale.get('since')}; "
            f"StaleAfterDays={stale.get('stale_after_days')}): {kept} challenger{'s' if kept != 1 else ''} kept out since, today's by the "
            "quality gate above. If the data changed, check MinImprovement and PooledMinImprovement (make gate-bench shows their effect).")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _meets(result: dict[str, Any]) -> str:
    return "≤" if result.get("direction") == "Minimize" else "≥"


def _evaluation_text(result: dict[str, Any]) -> str:
    """The serving model's score from the evaluate_first stage: value, threshold, rows."""
    if not result:
        return ""
    verdict = "still good" if result.get("still_good") else "degraded"
    rows = f" on {_number(result['rows'])} rows" if result.get("rows") is not None else ""
    return f"{result.get('metric')} {_number(result.get('value'))}{rows}: {verdict} (RetrainBelow {_number(result.get('threshold'))})"


def facts(kind: str, state: dict[str, Any], stack: str = "") -> tuple[str, str, list[tuple[str, str]]]:
    """Headline, one-line summary and labelled facts for a kind of event."""
    data = _obj(state.get("data"))
    training = _obj(state.get("training"))
    status = _obj(training.get("status"))
    deployment = _obj(state.get("deployment"))
    day = data.get("data_date") or deployment.get("data_date") or "unknown date"
    if kind == "started":
        verb = "Adopted the existing" if training.get("adopted") else "Started"
        hyperparameters = ", ".join(f"{k}={v}" for k, v in sorted(_obj(training.get("hyperparameters")).items()))
        return "Training started", f"{verb} training job for data of {day}.", [
            ("Training job", training.get("job_name", "")),
            ("Instance type", training.get("instance_type", "")),
            ("Training data", _obj(data.get("uris")).get("train", "")),
            ("Validation data", _obj(data.get("uris")).get("validation", "")),
            ("Hyperparameters", hyperparameters),
            ("Preprocessing job", _obj(state.get("preprocess")).get("job_name", "")),
            ("Serving model evaluated", _evaluation_text(_obj(_obj(_obj(state.get("evaluation")).get("status")).get("evaluation")))),
            (":warning: Quotas not checked", "; ".join(str(w) for w in training.get("quota_warnings") or [] if w)),
        ]
    if kind == "training_done":
        return "Training complete", f"Model for data of {day} is trained.", [
            ("Training job", training.get("job_name", "")),
            ("Metrics", _metrics_text(_obj(status.get("metrics")))),
            ("Training time", _training_time(status)),
            ("Model artifact", status.get("model_artifacts", "")),
        ]
    if kind in ("deployed", "registered"):
        origin, version = deployment.get("origin"), deployment.get("version")
        who = f" by {deployment.get('requested_by') or 'someone'}" + (f": {deployment['reason']}" if deployment.get("reason") else "")
        on_endpoint, endpoint = kind == "deployed", deployment.get("endpoint_name")
        uses = f"endpoint {endpoint} serves it" if on_endpoint else "batch predictions use it from now on"
        daily = (("New model deployed", f"Endpoint {endpoint} serves the model trained on data of {day}.") if on_endpoint else
                 ("New model in use", f"The model trained on data of {day} passed the quality gate and is version {version}; {uses} (no endpoint: deploy_target batch)."))
        headline, summary = {
            "rollback": ("Rolled back", f"Rolled back to version {version} (trained on data of {day}){who}. {uses[0].upper() + uses[1:]}."),
            "approval": (f"Approved model {'deployed' if on_endpoint else 'in use'}", f"Version {version} (trained on data of {day}) was approved in the model registry"
                         + (f" ({deployment['reason']})" if deployment.get("reason") else "") + f"; {uses}."),
        }.get(origin, daily)
        return headline, summary, [
            ("Endpoint", f"{endpoint} ({deployment.get('action')})" if on_endpoint else ""),
            ("Model", deployment.get("model_name", "")),
            ("Quality gate", _gate_text(_obj(deployment.get("gate")), day) if deployment.get("gate") else ""),
            ("Model package", deployment.get("model_package_arn", "")),
            ("Replaces", _replaced(deployment)),
            ("Replaced a failed endpoint", deployment.get("replaced", "")),
            ("Checked after the update", "; ".join(_obj(deployment.get("record")).get("checks") or [])),
            (":warning: Not as configured", "; ".join(_obj(deployment.get("record")).get("problems") or [])),
            (":warning: Not recorded", _not_recorded(deployment)),
        ]
    if kind == "pending_approval":
        version = deployment.get("version")
        return "Model waiting for approval", (
            f"The model trained on data of {day} passed the quality gate and is registered as version {version}, PendingManualApproval. "
            f"Approve it to deploy it: scripts/approve-model --stack {stack} {version}; or reject it: "
            f"scripts/approve-model --stack {stack} {version} --reject --reason '...'"
        ), [
            ("Quality gate", _gate_text(_obj(deployment.get("gate")), day)),
            ("Still serving", _still_serving(deployment)),
            ("Model package", deployment.get("model_package_arn", "")),
        ]
    if kind == "already_serving":
        place = f"Endpoint {deployment.get('endpoint_name')} already serves" if deployment.get("endpoint_name") else "Batch predictions already use"
        return "Already deployed", (
            f"{place} the model trained on data of {day} "
            f"({deployment.get('model_name')}): nothing was changed, gated or registered again."
        ), [("Training job", training.get("job_name", ""))]
    if kind == "not_deployed" and deployment.get("action") == "held":
        return "Model registered, not deployed", (
            f"The model trained on data of {day} passed the quality gate and is registered, but this run was started with "
            f"PROMOTE=false (a backfill changes the model in use only on its last date by default): {_unchanged(deployment)}."
        ), [
            ("Quality gate", _gate_text(_obj(deployment.get("gate")), day)),
            ("Still serving", _still_serving(deployment)),
            ("Model package (Approved)", deployment.get("model_package_arn", "")),
        ]
    if kind == "not_deployed":
        return "Model not deployed", f"The model trained on data of {day} did not pass the quality gate; {_unchanged(deployment)}.", [
            ("Quality gate", _gate_text(_obj(deployment.get("gate")), day)),
            ("Stale serving model", _stale(_obj(deployment.get("stale")))),
            ("Still serving", _still_serving(deployment)),
            ("Model package (Rejected)", deployment.get("model_package_arn", "")),
        ]
    if kind == "no_data":
        missing = ", ".join(str(_obj(data.get("uris")).get(channel, channel)) for channel in data.get("missing") or [] if isinstance(data.get("missing"), list))
        return "No new data", f"No training data for {day}; nothing to do today.", [("Missing", missing or "—")]
    if kind == "still_good":
        evaluated = _obj(state.get("evaluate_serving"))
        result = _obj(_obj(evaluated.get("status")).get("evaluation"))
        return "Not retrained", (
            f"Serving model still at {_number(result.get('value'))} {_meets(result)} {_number(result.get('threshold'))} "
            f"on data of {day}: not retrained."
        ), [
            ("Serving model", evaluated.get("model_name", "")),
            ("Evaluation", _evaluation_text(result)),
            ("Scoring job", _obj(state.get("score_serving")).get("job_name", "")),
            ("Evaluation job", evaluated.get("job_name", "")),
        ]
    if kind == "predictions":
        job = _obj(state.get("batch_predict"))
        status = _obj(job.get("status"))
        return "Predictions written", f"{status.get('rows', 0)} predictions for {day} written to {status.get('output_uri') or job.get('output_uri')}.", [
            ("Output", status.get("output_uri") or job.get("output_uri", "")),
            ("Rows", str(status.get("rows", ""))),
            ("Model", f"{job.get('model_name', '')}" + (f" ({job['model_why']})" if job.get("model_why") else "")),
            ("Transform job", job.get("job_name", "")),
            ("Input", job.get("input_uri", "")),
        ]
    if kind == "no_predictions":
        job = _obj(state.get("batch_predict"))
        return "No predictions today", f"Batch predictions for {day} skipped: {job.get('why', 'no reason given')}.", []
    if kind == "failed":
        failure = _obj(state.get("failure"))
        deployed = _obj(deployment.get("status")).get("phase") == "succeeded"
        if deployment.get("action") in ("created", "updated") and deployed:
            outcome = (f"endpoint {deployment.get('endpoint_name')} was {deployment['action']} and serves the new model "
                       f"(version {deployment.get('version')}); what failed came after")
        elif deployment.get("action") in ("created", "updated"):
            outcome = f"it had started to {'create' if deployment['action'] == 'created' else 'update'} endpoint {deployment.get('endpoint_name')}: the cause says how it was left"
        else:
            outcome = "the model in use was not changed by it"
        run = f"The run for data of {day}" if data.get("data_date") else f"The run for DATE {state.get('DATE', 'not given')!r} (data date not determined)"
        return "Pipeline FAILED", f"{run} failed; {outcome}.", [
            ("Error", str(failure.get("Error", "unknown error"))),
            ("Cause", readable_cause(failure.get("Cause"))),
        ]
    raise ValueError(f"notification kind {kind!r} is not one of {', '.join(KINDS)}")


def build(kind: str, state: dict[str, Any], execution: str, region: str, stack: str) -> dict[str, Any]:
    headline, summary, labelled = facts(kind, state, stack)
    icon = ICONS.get(kind, ":gear:")
    blocks = [
        HeaderBlock(text=f"{headline} — {stack}"),
        SectionBlock(text=MarkdownTextObject(text=f"{icon} {summary}")),
    ]
    shown = [(label, value) for label, value in labelled if value]
    if shown:
        blocks.append(SectionBlock(fields=[MarkdownTextObject(text=f"*{label}*\n{value}"[:2000]) for label, value in shown]))
    links = console_links(region, state, execution)
    blocks.append(ActionsBlock(elements=[ButtonElement(text=label, url=url, action_id=f"open-{i}") for i, (label, url) in enumerate(links)]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"execution `{execution.rsplit(':', 1)[-1]}`")]))
    return {"text": f"{headline}: {summary}", "blocks": [block.to_dict() for block in blocks]}
