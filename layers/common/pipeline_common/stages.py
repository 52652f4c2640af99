"""The optional stages and the SageMaker jobs they run, defined once for render.py, the handlers and the tests.

Each job is prepared by StartTraining (its request, named after the data date so a rerun adopts
it), created by the state machine through the SageMaker service integration, and polled by
GetStatus like the training job.
"""

from dataclasses import dataclass
from typing import Any

from .aws import describe_or_none

PREPROCESS = "preprocess"
EVALUATE_FIRST = "evaluate_first"
BATCH_PREDICT = "batch_predict"
STAGES = (PREPROCESS, EVALUATE_FIRST, BATCH_PREDICT)

PROCESSING_JOB, TRANSFORM_JOB = "processing_job", "transform_job"
STATUS_KEYS = {PROCESSING_JOB: "ProcessingJobStatus", TRANSFORM_JOB: "TransformJobStatus"}
ROWS, EVALUATION = "rows", "evaluation"   # what GetStatus reads from a completed job's output

PROCESSING_LOCAL_ROOT = "/opt/ml/processing"
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True)
class Job:
    key: str              # where the job's record lives in the execution state ($.<key>)
    stage: str
    kind: str             # the status table it is classified by
    suffix: str           # of its name: <prefix>-<target>-<YYYYMMDD>-<suffix>
    state: str            # prefix of its ASL state names
    summary: str = ""     # ROWS or EVALUATION: read by GetStatus once the job completed
    description: str = ""

    @property
    def api(self) -> str:
        return "createProcessingJob" if self.kind == PROCESSING_JOB else "createTransformJob"

    @property
    def request_keys(self) -> tuple[str, ...]:
        return PROCESSING_REQUEST_KEYS if self.kind == PROCESSING_JOB else TRANSFORM_REQUEST_KEYS

    @property
    def stop_command(self) -> str:
        return f"aws sagemaker stop-{noun(self.kind)}-job --{noun(self.kind)}-job-name"


# RoleArn is not among them: the role is a deploy-time ARN, given to the ASL by SAM (DefinitionSubstitutions).
ROLE_SUBSTITUTION = "SageMakerRoleArn"
PROCESSING_REQUEST_KEYS = ("ProcessingJobName", "AppSpecification", "ProcessingInputs", "ProcessingOutputConfig",
                           "ProcessingResources", "StoppingCondition", "Tags")
TRANSFORM_REQUEST_KEYS = ("TransformJobName", "ModelName", "TransformInput", "TransformOutput", "TransformResources",
                          "DataProcessing", "BatchStrategy", "Tags")

JOBS = {
    job.key: job
    for job in (
        Job("preprocess", PREPROCESS, PROCESSING_JOB, "pre", "Preprocess", description="features for training and validation from the raw data"),
        Job("score_serving", EVALUATE_FIRST, TRANSFORM_JOB, "evs", "ScoreServingModel", description="the serving model's predictions on the day's labelled data"),
        Job("evaluate_serving", EVALUATE_FIRST, PROCESSING_JOB, "evm", "EvaluateServingModel", summary=EVALUATION, description="the serving model's metric on them"),
        Job("batch_predict", BATCH_PREDICT, TRANSFORM_JOB, "bp", "BatchPredict", summary=ROWS, description="the day's predictions"),
    )
}


def noun(kind: str) -> str:
    return "processing" if kind == PROCESSING_JOB else "transform"


def describe(sagemaker, kind: str, name: str) -> dict[str, Any] | None:
    """DescribeProcessingJob or DescribeTransformJob; None when the job does not exist."""
    if kind == PROCESSING_JOB:
        return describe_or_none(sagemaker.describe_processing_job, f"DescribeProcessingJob {name}", ProcessingJobName=name)
    return describe_or_none(sagemaker.describe_transform_job, f"DescribeTransformJob {name}", TransformJobName=name)
