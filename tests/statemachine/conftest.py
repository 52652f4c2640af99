import pytest

from local_aws import fan_out, runner
from local_aws.scenarios import SCENARIOS


def collapse(states: list[str]) -> list[str]:
    """The visited states with each polling loop's iterations folded into one 'poll:<Loop>' step."""
    folded: list[str] = []
    for name in states:
        if name.startswith("WaitFor"):
            step = f"poll:{name.removeprefix('WaitFor')}"
            if not folded or folded[-1] != step:
                folded.append(step)
        elif name.startswith("Get") and name.endswith("Status") or name.endswith("Status?"):
            continue
        else:
            folded.append(name)
    return folded


@pytest.fixture
def run_scenario():
    def run(name: str, **kwargs) -> runner.Summary:
        scenario = SCENARIOS[name]
        summary = (fan_out.run if scenario.targets else runner.run)(scenario, printer=lambda line: None, **kwargs)
        assert summary.status == SCENARIOS[name].expected_status, (summary.error, summary.cause, summary.states)
        return summary

    return run
