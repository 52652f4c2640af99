"""The fan-out's one message when every target is done: a line per target, with why and a link."""

import json
from typing import Any

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from messages import ICONS, console_links, readable_cause
from pipeline_common.aws import describe_or_none

SKIPPED = ":no_entry_sign:"
SECTION_CHARS = 2900           # Slack: a section's text is at most 3,000 characters
MAX_SECTIONS = 45              # Slack: at most 50 blocks in a message (header, summary and context take three)


def _link(region: str, arn: str) -> str:
    return f" <{console_links(region, {}, arn)[0][1]}|execution>"


def target_line(sfn, outcome: dict[str, Any], region: str, pipeline_arn: str) -> tuple[str, str]:
    """(kind, the mrkdwn line) of one target's run, read from its own execution."""
    name = outcome.get("target", "?")
    arn = outcome.get("execution_arn") or (f"{pipeline_arn.replace(':stateMachine:', ':execution:')}:{outcome['execution_name']}"
                                           if pipeline_arn and outcome.get("execution_name") else "")
    described = (describe_or_none(sfn.describe_execution, "DescribeExecution", executionArn=arn) or {}) if arn else {}
    if outcome.get("status") != "SUCCEEDED":
        if not described:
            return "failed", f"{ICONS['failed']} *{name}* — FAILED: its run could not start ({outcome.get('error') or 'no error given'})"
        why = f"{described.get('error') or outcome.get('error') or 'Error'}: {readable_cause(described.get('cause'))}"
        return "failed", f"{ICONS['failed']} *{name}* — FAILED: {why}{_link(region, arn)}"
    try:
        state = json.loads(described.get("output") or "{}")
    except ValueError:
        state = {}
    notified = state.get("notified") if isinstance(state.get("notified"), dict) else {}
    kind = notified.get("kind") or ("no_data" if (state.get("data") or {}).get("status") == "absent" else "done")
    text = notified.get("text") or "succeeded (its last Slack message was not sent: see the execution)"
    return kind, f"{ICONS.get(kind, ':white_check_mark:')} *{name}* — {text}{_link(region, arn)}"


def build(sfn, state: dict[str, Any], execution: str, region: str, stack: str, pipeline_arn: str = "") -> tuple[dict[str, Any], list[str]]:
    """The message, and the names of the targets that failed."""
    plan = state.get("plan") if isinstance(state.get("plan"), dict) else {}
    outcomes = [o for o in state.get("outcomes") or [] if isinstance(o, dict)]
    lines, kinds, failed = [], [], []
    for outcome in outcomes:
        kind, line = target_line(sfn, outcome, region, pipeline_arn)
        kinds.append(kind)
        lines.append(line)
        if kind == "failed":
            failed.append(str(outcome.get("target", "?")))
    for skipped in plan.get("skipped") or []:
        kinds.append("skipped")
        lines.append(f"{SKIPPED} *{skipped.get('name')}* — skipped: {skipped.get('why')}")
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
