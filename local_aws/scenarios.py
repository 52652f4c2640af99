"""Named faults the local run can inject, each with what it must end as."""

from dataclasses import dataclass, field

from .sagemaker import EndpointOutcome, TrainingOutcome
from .slack_receiver import DOWN, OK, RATE_LIMITED

BOTH, TRAINING_ONLY, NONE, EMPTY_VALIDATION = "both", "training-only", "none", "empty-validation"


@dataclass(frozen=True)
class Run:
    """One execution of the pipeline within a scenario."""

    day_offset: int = 0                      # run date relative to the scenario's date
    data: str = BOTH                         # which files are seeded for the data date
    label_noise: float = 0.0                 # share of training labels flipped (worse data)
    malformed: bool = False                  # training CSV that is not numeric
    training: TrainingOutcome | None = None  # scripted outcome; None trains for real
    endpoint: EndpointOutcome = field(default_factory=EndpointOutcome)
    date_input: str | None = None            # DATE sent as is (bad-date)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    expected_status: str
    main: Run = field(default_factory=Run)
    before: tuple[Run, ...] = ()             # earlier runs that set the stage, silently
    receiver: str = OK
    throttle: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


_STUCK = TrainingOutcome(status="Completed", duration_seconds=10**9)

SCENARIOS = {
    s.name: s
    for s in [
        Scenario("happy", "first deploy: trains on the seeded data, creates the endpoint, SUCCEEDED", "SUCCEEDED"),
        Scenario("update", "the endpoint exists (yesterday's run); today's model updates it, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),)),
        Scenario("no-data", "nothing arrived for the data date: one quiet 'no new data' message, SUCCEEDED", "SUCCEEDED",
                 main=Run(data=NONE)),
        Scenario("missing-validation", "training data arrived but validation did not: failure message, FAILED", "FAILED",
                 main=Run(data=TRAINING_ONLY)),
        Scenario("empty-validation", "the validation file is empty (0 bytes), which counts as missing: FAILED", "FAILED",
                 main=Run(data=EMPTY_VALIDATION)),
        Scenario("bad-date", "DATE is not a date: failure message naming the value, FAILED", "FAILED",
                 main=Run(date_input="2026-02-30")),
        Scenario("training-fails", "the training job fails: its FailureReason in Slack, no endpoint, FAILED", "FAILED",
                 main=Run(training=TrainingOutcome(status="Failed", duration_seconds=1800,
                                                   failure_reason="AlgorithmError: ran out of memory (emulated)"))),
        Scenario("training-stopped", "the training job is stopped (Stopping, Stopped): failure message, FAILED", "FAILED",
                 main=Run(training=TrainingOutcome(status="Stopped", duration_seconds=1800,
                                                   failure_reason="Training job stopped by an operator (emulated)"))),
        Scenario("training-timeout", "the job never finishes: the poll budget (MaxRuntime + grace) runs out, FAILED", "FAILED",
                 main=Run(training=_STUCK), parameters={"MaxRuntimeSeconds": "7200"}),
        Scenario("deploy-fails", "the new endpoint ends Failed: failure message, FAILED", "FAILED",
                 main=Run(endpoint=EndpointOutcome(result="Failed", failure_reason="The primary container did not pass the ping health check (emulated)"))),
        Scenario("deploy-rolls-back", "the update rolls back: InService on the old config is reported as a failure, FAILED", "FAILED",
                 before=(Run(day_offset=-1),), main=Run(endpoint=EndpointOutcome(result="RolledBack"))),
        Scenario("slack-down", "Slack answers 500 to everything: the pipeline still deploys, SUCCEEDED", "SUCCEEDED",
                 receiver=DOWN),
        Scenario("slack-rate-limited", "Slack answers 429 with Retry-After once: delivered after the retry, SUCCEEDED", "SUCCEEDED",
                 receiver=RATE_LIMITED),
        Scenario("throttled", "SageMaker throttles CreateTrainingJob twice: the state machine retries, SUCCEEDED", "SUCCEEDED",
                 throttle={"CreateTrainingJob": 2}),
        Scenario("rerun-same-date", "a second run for the same date adopts the first run's job: one training job, SUCCEEDED", "SUCCEEDED",
                 before=(Run(),)),
        Scenario("worse-model", "today's data is noisier: the gate rejects the model, endpoint untouched, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(label_noise=0.2)),
        Scenario("better-model", "yesterday's model was weak, today's is better: gate passes, endpoint updated, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1, label_noise=0.2),)),
        Scenario("training-crashes", "the training script exits non-zero: its failure file in Slack, FAILED", "FAILED",
                 parameters={"Hyperparameters": '{"objective": "multi:softmax", "num_class": "3", "max_depth": "-4"}'}),
        Scenario("bad-data", "the training CSV is malformed: a clear FailureReason naming the row, FAILED", "FAILED",
                 main=Run(malformed=True)),
    ]
}


def describe() -> str:
    width = max(len(name) for name in SCENARIOS)
    return "\n".join(f"{name:<{width}}  {s.description}" for name, s in SCENARIOS.items())
