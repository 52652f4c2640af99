"""The local run's timeline: one row per state, one per stretch of polls, errors after their state."""

import json
import re

from local_aws.clock import Clock
from local_aws.timeline import Timeline


def feed(timeline: Timeline, clock: Clock, events: list[tuple]) -> None:
    """Replay history events: (type, state name), ("advance", seconds) or ("error", error, message)."""
    for kind, value, *message in events:
        if kind == "advance":
            clock.advance(value)
        elif kind == "error":
            timeline("TaskFailed", {"taskFailedEventDetails": {"error": value, "cause": json.dumps({"errorMessage": message[0]})}})
        elif kind.endswith("Entered"):
            timeline(kind, {"stateEnteredEventDetails": {"name": value}})
        else:
            timeline(kind, {"stateExitedEventDetails": {"name": value}})


def loop(clock: Clock, polls: int, wait: int) -> list[tuple]:
    events = []
    for _ in range(polls):
        events += [("WaitStateEntered", "WaitForTraining"), ("advance", wait), ("WaitStateExited", "WaitForTraining"),
                   ("TaskStateEntered", "GetTrainingStatus"), ("TaskStateExited", "GetTrainingStatus"),
                   ("ChoiceStateEntered", "TrainingStatus?"), ("ChoiceStateExited", "TrainingStatus?")]
    return events


def rows(verbose: bool = False) -> list[str]:
    clock, printed = Clock(), []
    timeline = Timeline(clock, printed.append, verbose)
    clock.advance(7200)  # an earlier run: the timeline counts from this run's start
    timeline.start()
    feed(timeline, clock, [("TaskStateEntered", "StartTraining"), ("error", "AwsThrottled", "CreateTrainingJob was throttled"),
                           ("TaskStateExited", "StartTraining"), ("PassStateEntered", "InitTrainingPoll"), ("PassStateExited", "InitTrainingPoll")]
         + loop(clock, 3, 600) + [("TaskStateEntered", "NotifyTrainingDone"), ("TaskStateExited", "NotifyTrainingDone")])
    timeline.stop()
    return [re.sub(r"^\s*[\d.]+s\s+T\+\S+\s+", "", line).strip() for line in printed]


def test_consecutive_polls_fold_into_one_row_with_their_count_and_emulated_time():
    printed = rows()
    assert printed == ["StartTraining", "! AwsThrottled: CreateTrainingJob was throttled", "InitTrainingPoll",
                       "poll Training: 3 status checks over 30 min 00 s", "NotifyTrainingDone"]


def test_verbose_prints_every_poll():
    assert rows(verbose=True).count("WaitForTraining  (600 s)") == 3


def test_the_emulated_time_counts_from_the_runs_own_start():
    clock, printed = Clock(), []
    timeline = Timeline(clock, printed.append)
    clock.advance(3 * 3600)
    timeline.start()
    timeline("PassStateEntered", {"stateEnteredEventDetails": {"name": "A"}})
    timeline("PassStateExited", {"stateExitedEventDetails": {"name": "A"}})
    assert "T+000:00:00  A" in printed[0]
