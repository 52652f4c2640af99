"""The fan-out's one message when every target is done: a line per target, with why and a link."""

import json
from typing import Any

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from messages import console_links, readable_cause
from pipeline_common.aws import describe_or_none

ICONS = {"failed": ":red_circle:", "not_deployed": ":warning:", "pending_approval": ":hourglass:", "no_data": ":zzz:",
         "no_predictions": ":zzz:", "skipped": ":no_entry_sign:"}
SECTION_CHARS = 2900           # Slack: a section's text is at most 3,000 characters
MAX_SECTIONS = 45              # Slack: at most 50 blocks in a message (header, summary and context take three)


def _cause_of(outcome: dict[str, Any]) -> tuple[str, str, str]:
    """A failed target: (execution ARN or "", error, cause). The cause of a child that ran is its DescribeExecution
    (docs/aws-behaviours.md, sfn-start-execution-sync2); one that could not start has a plain cause."""
    error, cause = str(outcome.get("error") or "Error"), outcome.get("cause")
    try:
        described = json.loads(cause) if isinstance(cause, str) else None
    except ValueError:
        described = None
    if isinstance(described, dict):
        lower = {k.lower(): v for k, v in described.items()}
        return str(lower.get("executionarn") or ""), str(lower.get("error") or error), readable_cause(lower.get("cause"))
    return "", error, readable_cause(cause)


def target_line(sfn, outcome: dict[str, Any], region: str) -> tuple[str, str]:
    """(kind, the mrkdwn line) of one target's run."""
    name = outcome.get("target", "?")
    if outcome.get("status") != "SUCCEEDED":
        arn, error, cause = _cause_of(outcome)
        link = f" <{console_links(region, {}, arn)[0][1]}|execution>" if arn else ""
        return "failed", f"{ICONS['failed']} *{name}* — FAILED: {error}: {cause}{link}"
    arn = outcome.get("execution_arn", "")
    described = describe_or_none(sfn.describe_execution, "DescribeExecution", executionArn=arn) or {}
    try:
        state = json.loads(described.get("output") or "{}")
    except ValueError:
        state = {}
    notified = state.get("notified") if isinstance(state.get("notified"), dict) else {}
    kind = notified.get("kind") or ("no_data" if (state.get("data") or {}).get("status") == "absent" else "done")
    text = notified.get("text") or "succeeded (its last Slack message was not sent: see the execution)"
    return kind, f"{ICONS.get(kind, ':white_check_mark:')} *{name}* — {text} <{console_links(region, {}, arn)[0][1]}|execution>"


def build(sfn, state: dict[str, Any], execution: str, region: str, stack: str) -> tuple[dict[str, Any], list[str]]:
    """The message, and the names of the targets that failed."""
    plan = state.get("plan") if isinstance(state.get("plan"), dict) else {}
    outcomes = [o for o in state.get("outcomes") or [] if isinstance(o, dict)]
    lines, kinds, failed = [], [], []
    for outcome in outcomes:
        kind, line = target_line(sfn, outcome, region)
        kinds.append(kind)
        lines.append(line)
        if kind == "failed":
            failed.append(str(outcome.get("target", "?")))
    for skipped in plan.get("skipped") or []:
        kinds.append("skipped")
        lines.append(f"{ICONS['skipped']} *{skipped.get('name')}* — skipped: {skipped.get('why')}")
    counts = {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)}
    summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items()) or "no targets ran"
    sections: list[str] = []
    for line in lines:
        line = line[:SECTION_CHARS]
        if sections and len(sections[-1]) + len(line) + 1 <= SECTION_CHARS:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    if len(sections) > MAX_SECTIONS:
        sections = sections[:MAX_SECTIONS - 1] + [f"… and more: {len(lines)} targets in all, see the execution"]
    origin = (plan.get("run_input") or {}).get("ORIGIN")
    run = (f"{str(origin).capitalize()} of {', '.join(str(o.get('target')) for o in outcomes)}" if origin
           else f"Daily run of {len(outcomes)} target{'s' if len(outcomes) != 1 else ''}")
    headline = f"{'FAILED: ' if failed else ''}{run}"
    blocks = [HeaderBlock(text=f"{headline} — {stack}"[:150]), SectionBlock(text=MarkdownTextObject(text=f"{summary}."))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=section)) for section in sections]
    notes = [str(n) for n in plan.get("notes") or []]
    footer = " · ".join(notes + [f"fan-out `{execution.rsplit(':', 1)[-1]}` at {plan.get('max_concurrency', '?')} at once"])
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer[:3000])]))
    return {"text": f"{headline}: {summary}", "blocks": [block.to_dict() for block in blocks]}, failed
