"""Named faults the local run can inject, each with what it must end as."""

from dataclasses import dataclass, field

from . import dataset
from .sagemaker import VANISHED, EndpointOutcome, TrainingOutcome
from .slack_receiver import DOWN, ECHOES_URL, OK, RATE_LIMITED

BOTH, TRAINING_ONLY, NONE, EMPTY_VALIDATION = "both", "training-only", "none", "empty-validation"


@dataclass(frozen=True)
class Run:
    """One execution of the pipeline within a scenario."""

    day_offset: int = 0                      # run date relative to the scenario's date
    data: str = BOTH                         # which files are seeded for the data date
    label_noise: float = 0.0                 # share of training labels flipped (worse data)
    seed: int = 0                            # which shuffle of iris the day gets
    drift: float = 1.0                       # every feature of the day rescaled (yesterday's model no longer fits)
    validation: str = dataset.STANDARD       # "hard" or "easy" validation rows
    corrupt_champion: bool = False           # the serving model's model.tar.gz is unreadable by then
    champion_gone: bool = False              # the serving model's model.tar.gz was deleted by then
    alarm_deleted: str = ""                  # the stack's rollback alarm with this suffix was deleted by then
    kind: str = "daily"                      # daily run, or an operator's approve / reject / rollback
    spot_interruption: bool = False          # with managed spot: capacity reclaimed after the first checkpoint
    reason: str = ""                         # what the operator says with it
    malformed: bool = False                  # training CSV that is not numeric
    validation_column_dropped: bool = False  # the validation file lacks the last feature column
    training: TrainingOutcome | None = None  # scripted outcome; None trains for real
    endpoint: EndpointOutcome = field(default_factory=EndpointOutcome)
    date_input: str | None = None            # DATE sent as is (bad-date)
    raw_broken: bool = False                 # with preprocess: the raw export lost its species column
    prediction_input: str = "rows"           # with batch_predict: "rows", "none", or "bad" (rows the model cannot read)


@dataclass(frozen=True)
class Target:
    """One target of a many-target scenario: its name, its day, its overrides."""

    name: str
    run: Run = field(default_factory=Run)
    overrides: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    expected_status: str
    main: Run = field(default_factory=Run)
    before: tuple[Run, ...] = ()             # earlier runs that set the stage, silently
    after: tuple[Run, ...] = ()              # operator actions after the main run (a rejection)
    receiver: str = OK
    throttle: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, tuple[int, int]] = field(default_factory=dict)  # operation -> (calls that succeed first, then 500s)
    s3_denied: tuple[str, ...] = ()                                        # "bucket/key-prefix" HeadObject answers 403 for
    s3_put_denied: tuple[str, ...] = ()                                    # "bucket/key-prefix" PutObject answers 403 for
    quotas: dict[str, float | None] = field(default_factory=dict)          # applied SageMaker quotas (Service Quotas; None: no applied value)
    quota_refusal: str = ""                                                # the error code Service Quotas answers with, if any
    parameters: dict[str, str] = field(default_factory=dict)
    stages: tuple[str, ...] = ()             # the build's optional stages (pipeline-config.yaml stages) this scenario needs
    deploy_target: str | None = None         # the build's deploy_target, when the scenario needs one (None: the config's)
    earlier_data_days: int = 0               # the data of this many days before the first run is already in the bucket
    targets: tuple[Target, ...] = ()         # many targets: the fan-out runs main's day once per target (pipeline-config.yaml fan_out)
    max_concurrency: int | None = None       # with targets: fan_out.max_concurrency (None: the config's)


_STUCK = TrainingOutcome(status="Completed", duration_seconds=10**9)
TARGET_NAMES = ("iris-a", "iris-b", "iris-c", "iris-d", "iris-e", "iris-f", "iris-g", "iris-h", "iris-i")


def targets_of(count: int) -> tuple[Target, ...]:
    """``count`` targets, each with its own day of data (a different shuffle of iris)."""
    if not 2 <= count <= len(TARGET_NAMES):
        raise ValueError(f"is {count}: expected 2..{len(TARGET_NAMES)} targets")
    return tuple(Target(name, Run(seed=index + 1)) for index, name in enumerate(TARGET_NAMES[:count]))


THREE_TARGETS = (Target("iris-a", Run(seed=1)),
                 Target("iris-b", Run(seed=2), {"hyperparameters": {"objective": "multi:softmax", "num_class": "3", "max_depth": "3"}, "rollout_strategy": "Canary"}),
                 Target("iris-c", Run(seed=3, drift=1.2)))
MISSING_BUCKET = "retrain-local-no-such-bucket"

SCENARIOS = {
    s.name: s
    for s in [
        Scenario("happy", "first deploy: trains on the seeded data, creates the endpoint, SUCCEEDED", "SUCCEEDED"),
        Scenario("update", "the endpoint exists (yesterday's run); today's equally good model updates it (GateRule=PlainComparison), SUCCEEDED",
                 "SUCCEEDED", before=(Run(day_offset=-1),), parameters={"GateRule": "PlainComparison"}),
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
                 before=(Run(day_offset=-1),), main=Run(endpoint=EndpointOutcome(result="RolledBack")), parameters={"GateRule": "PlainComparison"}),
        Scenario("slack-down", "Slack answers 500 to everything: the pipeline still deploys, SUCCEEDED", "SUCCEEDED",
                 receiver=DOWN),
        Scenario("slack-rate-limited", "Slack answers 429 with Retry-After once: delivered after the retry, SUCCEEDED", "SUCCEEDED",
                 receiver=RATE_LIMITED),
        Scenario("throttled", "SageMaker throttles CreateTrainingJob twice: the state machine retries, SUCCEEDED", "SUCCEEDED",
                 throttle={"CreateTrainingJob": 2}),
        Scenario("rerun-same-date", "the day's first run trained but its update rolled back; the rerun adopts the trained job and deploys it: "
                 "one training job for the date, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1), Run(endpoint=EndpointOutcome(result="RolledBack"))), parameters={"GateRule": "PlainComparison"}),
        Scenario("rerun-after-deploy", "the date already deployed: the rerun says once that the endpoint serves that model and changes nothing, SUCCEEDED",
                 "SUCCEEDED", before=(Run(),)),
        Scenario("worse-model", "today's data is noisier: the gate rejects the model, endpoint untouched, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(label_noise=0.2)),
        Scenario("better-model", "yesterday's model was weak (MetricFloor 0.7), today's is clearly better on the same rows: gate passes, "
                 "endpoint updated, SUCCEEDED", "SUCCEEDED", before=(Run(day_offset=-1, label_noise=0.3),), parameters={"MetricFloor": "0.7"}),
        Scenario("pooled-evidence-ships", "yesterday's model is a little worse; on today's 45 rows the interval is inconclusive, on the "
                 "last 14 days' 630 rows it is not (GateRule=PooledEvidence): deployed, Slack names the pooled rows, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1, label_noise=0.05, seed=2),), main=Run(seed=7), earlier_data_days=13),
        Scenario("stale-serving-model", "the serving model was trained on data 4 days old (StaleAfterDays=3) and today's noisier model is "
                 "kept out: Slack warns with its age and the challengers kept out since, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-4),), main=Run(label_noise=0.2), parameters={"StaleAfterDays": "3"}),
        Scenario("harder-day", "today's features drifted and its validation is harder: the new model scores below yesterday's recorded "
                 "metric but beats the champion on today's rows: deployed, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(seed=1, drift=1.5, validation=dataset.HARD)),
        Scenario("easier-day", "today's validation is easier: the new model's number beats yesterday's recorded one, but it is worse than "
                 "the champion on today's rows: not deployed, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(seed=3, label_noise=0.05, validation=dataset.EASY)),
        Scenario("manual-approval", "ApprovalMode=Manual: the day's model passes the gate and waits; approving it in the registry starts "
                 "the deployment of exactly that version: deployed, SUCCEEDED", "SUCCEEDED",
                 before=(Run(),), main=Run(kind="approve", reason="checked the confusion matrix"), parameters={"ApprovalMode": "Manual"}),
        Scenario("manual-reject", "ApprovalMode=Manual: the day's model waits for approval and is rejected with a reason: recorded, "
                 "nothing deployed, SUCCEEDED", "SUCCEEDED",
                 main=Run(), after=(Run(kind="reject", reason="drift in the new feature"),), parameters={"ApprovalMode": "Manual"}),
        Scenario("rollback", "yesterday's model was replaced today; the operator rolls back to it: the previous Approved version is "
                 "redeployed through the same path, Slack says who and why, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1, label_noise=0.3), Run()), main=Run(kind="rollback", reason="complaints about class 2"),
                 parameters={"MetricFloor": "0.7"}),
        Scenario("canary-succeeds", "RolloutStrategy=Canary: 10 % of capacity on the new model for 5 min, then all, then 10 min of "
                 "baking with the rollback alarms enabled: updated, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), parameters={"GateRule": "PlainComparison", "RolloutStrategy": "Canary"}),
        Scenario("canary-alarm-rollback", "RolloutStrategy=Canary: the model-latency alarm fires during the canary; SageMaker rolls back "
                 "on its own: the day's model did not ship, the old one serves, Slack names the alarm, FAILED", "FAILED",
                 before=(Run(day_offset=-1),), main=Run(endpoint=EndpointOutcome(alarm="model-latency")),
                 parameters={"GateRule": "PlainComparison", "RolloutStrategy": "Canary"}),
        Scenario("linear-succeeds", "RolloutStrategy=Linear: 20 % steps every 5 min, then baking: updated, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), parameters={"GateRule": "PlainComparison", "RolloutStrategy": "Linear"}),
        Scenario("serving-artifact-missing", "the serving model's model.tar.gz was deleted: today's job runs without the champion channel "
                 "(AWS refuses a channel with no object), the gate takes the documented fallback and Slack names why, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(champion_gone=True), parameters={"GateRule": "PlainComparison"}),
        Scenario("rollback-alarm-missing", "someone deleted the stack's model-latency rollback alarm: today's better model is not rolled "
                 "out without it, the endpoint keeps serving yesterday's, FAILED naming the alarm and how to restore it", "FAILED",
                 before=(Run(day_offset=-1, label_noise=0.3),), main=Run(alarm_deleted="model-latency"), parameters={"MetricFloor": "0.7"}),
        Scenario("quota-api-unavailable", "Service Quotas answers AccessDeniedException: the quota check is advice, so Training started "
                 "says the quotas were not checked and why, and the model deploys, SUCCEEDED", "SUCCEEDED", quota_refusal="AccessDeniedException"),
        Scenario("quota-short", "the account's 'ml.m5.large for endpoint usage' quota is 2; the serving endpoint uses 1 and a blue/green "
                 "update needs 2 more: FAILED naming the quota, the limit and the need, before any training starts", "FAILED",
                 before=(Run(day_offset=-1),), quotas={"ml.m5.large for endpoint usage": 2.0}),
        Scenario("spot-interrupted-resumes", "ManagedSpotTraining=Enabled: spot capacity is reclaimed after the first checkpoint; the "
                 "job restarts, resumes from the checkpoints in S3 and deploys; Slack reports the saving, SUCCEEDED", "SUCCEEDED",
                 main=Run(spot_interruption=True), parameters={"ManagedSpotTraining": "Enabled"}),
        Scenario("data-capture-kept", "DataCapturePercent=20 and autoscaling 1-4 instances: after the update the run checks that the "
                 "endpoint serves the new config, still captures data and keeps its autoscaling, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),),
                 parameters={"GateRule": "PlainComparison", "DataCapturePercent": "20", "AutoscalingMaxInstances": "4"}),
        Scenario("serverless", "HostingMode=Serverless: the endpoint is created with 2048 MB and 5 concurrent invocations, no instances; "
                 "it serves predictions, SUCCEEDED", "SUCCEEDED", parameters={"HostingMode": "Serverless"}),
        Scenario("champion-unscorable", "the serving model's artifact cannot be loaded: the gate falls back to its recorded metric and "
                 "says so in Slack, deployed, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1),), main=Run(corrupt_champion=True), parameters={"GateRule": "PlainComparison"}),
        Scenario("training-crashes", "the training script exits non-zero: its failure file in Slack, FAILED", "FAILED",
                 parameters={"Hyperparameters": '{"objective": "multi:softmax", "num_class": "3", "max_depth": "-4"}'}),
        Scenario("bad-data", "the training CSV has a text cell: CheckData names file, line and column before any training job, FAILED",
                 "FAILED", main=Run(malformed=True)),
        Scenario("own-data-bad-columns", "your own data: the validation file has one column fewer than the training file: FAILED, "
                 "named before any training job", "FAILED", main=Run(validation_column_dropped=True)),
        Scenario("job-not-found-real-message", "SageMaker answers DescribeTrainingJob for a job not started yet with its real words "
                 "(ValidationException 'Requested resource not found.'): the job starts and deploys, SUCCEEDED", "SUCCEEDED"),
        Scenario("bucket-missing", "the Bucket parameter names a bucket that does not exist (S3 answers a bodiless 404, like a missing key): "
                 "FAILED naming the bucket, not a quiet 'no new data'", "FAILED", parameters={"Bucket": MISSING_BUCKET}),
        Scenario("history-not-writable", "the deployment history refuses the record (403): the model still deploys, Slack says it was "
                 "not recorded and what that breaks, SUCCEEDED", "SUCCEEDED", s3_put_denied=("retrain-local-data/deployment-history/",)),
        Scenario("s3-access-denied", "HeadObject on the training data answers 403: FAILED naming bucket, key and the permission needed", "FAILED",
                 s3_denied=("retrain-local-data/input-data-training/",)),
        Scenario("stopped-at-max-runtime", "SageMaker stops the job at MaxRuntime (Stopped, MaxRuntimeExceeded, no FailureReason): "
                 "FAILED naming job, status, secondary status and the limit", "FAILED",
                 main=Run(training=TrainingOutcome(status="Stopped", secondary_status="MaxRuntimeExceeded", duration_seconds=7200)),
                 parameters={"MaxRuntimeSeconds": "7200"}),
        Scenario("job-vanishes", "the training job disappears while it is polled: FAILED naming the job", "FAILED",
                 main=Run(training=TrainingOutcome(status=VANISHED, duration_seconds=1800))),
        Scenario("sagemaker-5xx-mid-poll", "DescribeTrainingJob answers 500 InternalFailure twice mid-poll: the state machine retries, SUCCEEDED",
                 "SUCCEEDED", unavailable={"DescribeTrainingJob": (3, 2)}),
        Scenario("endpoint-failed-yesterday", "yesterday's first creation left the endpoint Failed: today's run deletes it, creates it again "
                 "and says so, SUCCEEDED", "SUCCEEDED",
                 before=(Run(day_offset=-1, endpoint=EndpointOutcome(result="Failed", failure_reason="The primary container did not pass the ping health check (emulated)")),)),
        Scenario("metric-nan", "the job reports validation:accuracy NaN and no floor is set: never approved, endpoint not created, SUCCEEDED", "SUCCEEDED",
                 main=Run(training=TrainingOutcome(metrics={"validation:accuracy": float("nan")})), parameters={"MetricFloor": ""}),
        Scenario("slack-echoes-url", "Slack's gateway answers 502 quoting the webhook URL: the token appears in no log, error or execution "
                 "history, and the pipeline deploys, SUCCEEDED", "SUCCEEDED", receiver=ECHOES_URL),
        Scenario("preprocess", "preprocess stage: a Processing job turns the day's raw export (species names, gaps, duplicates) into "
                 "training and validation data, then trains and deploys, SUCCEEDED", "SUCCEEDED", stages=("preprocess",)),
        Scenario("preprocess-fails", "preprocess stage: the raw export lost its species column; the Processing job fails and Slack names "
                 "the job and the script's message, no training, FAILED", "FAILED", main=Run(raw_broken=True), stages=("preprocess",)),
        Scenario("batch-predict", "batch_predict stage: after the deploy a Transform job writes the day's predictions; Slack gives the path "
                 "and the row count, SUCCEEDED", "SUCCEEDED", stages=("batch_predict",)),
        Scenario("batch-predict-no-input", "batch_predict stage: no prediction input for the day: deployed, then a quiet 'no predictions', "
                 "SUCCEEDED", "SUCCEEDED", main=Run(prediction_input="none"), stages=("batch_predict",)),
        Scenario("batch-predict-fails", "batch_predict stage: the prediction rows have 2 columns, the model needs 4: the Transform job fails "
                 "and Slack names it, FAILED", "FAILED", main=Run(prediction_input="bad"), stages=("batch_predict",)),
        Scenario("evaluate-still-good", "evaluate_first stage: yesterday's model still scores above RetrainBelow on today's data: "
                 "training skipped and Slack says so, SUCCEEDED", "SUCCEEDED", before=(Run(day_offset=-1),), main=Run(seed=1),
                 stages=("evaluate_first",)),
        Scenario("evaluate-degraded", "evaluate_first stage: today's data drifted and yesterday's model scores below RetrainBelow: "
                 "retrained, the gate sees the number, deployed, SUCCEEDED", "SUCCEEDED", before=(Run(day_offset=-1),),
                 main=Run(seed=1, drift=1.5), stages=("evaluate_first",)),
        Scenario("batch-target", "deploy_target batch: no endpoint; yesterday's version is the one in use in the registry, today's model "
                 "is gated against it on the same rows, marked in use, and writes the day's predictions; no endpoint left, SUCCEEDED",
                 "SUCCEEDED", before=(Run(day_offset=-1),), parameters={"GateRule": "PlainComparison"}, stages=("batch_predict",),
                 deploy_target="batch"),
        Scenario("three-targets", "three targets with different data (one with its own hyperparameters and a canary rollout): three "
                 "child executions each train, gate and deploy their own endpoint, and Slack gets one digest, SUCCEEDED", "SUCCEEDED",
                 targets=THREE_TARGETS),
        Scenario("targets-one-fails", "three targets; one's training job fails: the other two deploy, Slack gets that failure as it "
                 "happens and a digest naming it, and the fan-out fails after the others finished, FAILED", "FAILED",
                 targets=(THREE_TARGETS[0], Target("iris-b", Run(seed=2, training=TrainingOutcome(
                     status="Failed", failure_reason="AlgorithmError: the training script exited 1 (emulated)"))), THREE_TARGETS[2])),
        Scenario("targets-one-without-data", "three targets; one has no data today: two deploy, the digest shows a quiet 'no new data' "
                 "for it, SUCCEEDED", "SUCCEEDED", targets=(THREE_TARGETS[0], Target("iris-b", Run(data=NONE)), THREE_TARGETS[2])),
        Scenario("targets-concurrency-capped", "four targets, MaxConcurrency 2: never more than two training jobs at once on the "
                 "emulated clock, all four deploy, SUCCEEDED", "SUCCEEDED", targets=targets_of(4), max_concurrency=2),
    ]
}


def describe() -> str:
    width = max(len(name) for name in SCENARIOS)
    return "\n".join(f"{name:<{width}}  {s.description}" for name, s in SCENARIOS.items())
