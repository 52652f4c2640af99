"""Before spending money: do the account's SageMaker quotas have room for today's training job and,
for an endpoint update (blue/green starts a second fleet), for the extra endpoint instances?

The quota is read from Service Quotas: the applied value, or the AWS default for a quota with none
("If the applied quota value is not available for a quota, the quota is not retrieved": ListServiceQuotas;
ListAWSDefaultServiceQuotas has the defaults). Managed spot training counts against its own quota,
"ml.X for spot training job usage". The usage comes from SageMaker itself: running training jobs
(spot or not) and in-service endpoints of the same instance type.

The check is advice: SageMaker itself refuses a job over quota (ResourceLimitExceeded, which the run
names). When Service Quotas cannot answer (denied, throttled, down) or lists no such quota, the
warnings say so, Slack shows them, and the run goes on.
"""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws import describe_or_none, error_code, retryable_errors
from .errors import AwsThrottled, AwsUnavailable, PipelineError

SERVICE_CODE = "sagemaker"


class QuotaShort(PipelineError):
    """A SageMaker quota has no room for what today's run needs."""


@dataclass(frozen=True)
class Need:
    quota: str
    usage: float
    need: float

    def shortfall(self, limit: float) -> str:
        if self.usage + self.need <= limit:
            return ""
        return f"quota '{self.quota}' is {limit:g}: {self.usage:g} in use + {self.need:g} needed = {self.usage + self.need:g}"


def applied_quotas(service_quotas) -> dict[str, float]:
    """Quota name -> applied value, for SageMaker."""
    return _listed(service_quotas, "list_service_quotas", "ListServiceQuotas")


def default_quotas(service_quotas) -> dict[str, float]:
    """Quota name -> AWS default value, for SageMaker (what a quota without an applied value is)."""
    return _listed(service_quotas, "list_aws_default_service_quotas", "ListAWSDefaultServiceQuotas")


def _listed(service_quotas, operation: str, action: str) -> dict[str, float]:
    with retryable_errors(f"{action} {SERVICE_CODE}"):
        return {quota["QuotaName"]: float(quota["Value"])
                for page in service_quotas.get_paginator(operation).paginate(ServiceCode=SERVICE_CODE) for quota in page.get("Quotas", [])}


def training_quota(instance_type: str, spot: bool) -> str:
    return f"{instance_type} for {'spot ' if spot else ''}training job usage"


def training_usage(sagemaker, instance_type: str, spot: bool = False) -> float:
    """Instances of ``instance_type`` that running training jobs hold (spot jobs for the spot quota, the others for the other)."""
    with retryable_errors("ListTrainingJobs"):
        running = [s["TrainingJobName"] for page in sagemaker.get_paginator("list_training_jobs").paginate(StatusEquals="InProgress")
                   for s in page.get("TrainingJobSummaries", [])]
    usage = 0.0
    for name in running:
        job = describe_or_none(sagemaker.describe_training_job, "DescribeTrainingJob", TrainingJobName=name) or {}
        resources = job.get("ResourceConfig", {})
        same = resources.get("InstanceType") == instance_type and bool(job.get("EnableManagedSpotTraining")) == spot
        usage += resources.get("InstanceCount", 0) if same else 0
    return usage


def endpoint_usage(sagemaker, instance_type: str) -> float:
    """Instances of ``instance_type`` that the account's endpoints run."""
    with retryable_errors("ListEndpoints"):
        names = [s["EndpointName"] for page in sagemaker.get_paginator("list_endpoints").paginate() for s in page.get("Endpoints", [])]
    usage = 0.0
    for name in names:
        endpoint = describe_or_none(sagemaker.describe_endpoint, "DescribeEndpoint", EndpointName=name) or {}
        config = describe_or_none(sagemaker.describe_endpoint_config, "DescribeEndpointConfig",
                                  EndpointConfigName=endpoint["EndpointConfigName"]) if endpoint.get("EndpointConfigName") else None
        usage += sum(v.get("InitialInstanceCount", 0) for v in (config or {}).get("ProductionVariants", []) if v.get("InstanceType") == instance_type)
    return usage


def check_room(service_quotas, sagemaker, training: tuple[str, int], hosting: tuple[str, int] | None, updating: bool, log: Any,
               spot: bool = False) -> list[str]:
    """Fail with every shortfall named; otherwise the warnings (what could not be checked, and why). ``hosting`` is None
    when there are no endpoint instances (serverless, or batch predictions)."""
    needs = [Need(training_quota(training[0], spot), training_usage(sagemaker, training[0], spot), training[1])]
    if hosting:
        # Blue/green keeps the old fleet while the new one starts: an update needs the instances twice.
        needs.append(Need(f"{hosting[0]} for endpoint usage", endpoint_usage(sagemaker, hosting[0]), hosting[1] * (2 if updating else 1)))
    try:
        limits = applied_quotas(service_quotas)
        if any(need.quota not in limits for need in needs):
            limits = {**default_quotas(service_quotas), **limits}
    except (ClientError, BotoCoreError, AwsThrottled, AwsUnavailable) as error:
        why = error_code(error) if isinstance(error, ClientError) else type(error).__name__
        log.warning("SageMaker quotas could not be read; not checked", extra={"error": why})
        return [f"Service Quotas could not be read ({why}): room for {', '.join(repr(n.quota) for n in needs)} was not checked. "
                "SageMaker refuses a job over its quota (ResourceLimitExceeded), and the run would name it"]
    warnings, problems = [], []
    for need in needs:
        if need.quota not in limits:
            log.warning("quota not listed by Service Quotas; not checked", extra={"quota": need.quota})
            warnings.append(f"quota {need.quota!r} is listed neither applied nor as an AWS default: not checked")
            continue
        problems.append(need.shortfall(limits[need.quota]))
    problems = [p for p in problems if p]
    if problems:
        raise QuotaShort("; ".join(problems) + ". Request an increase in Service Quotas (Amazon SageMaker) or lower the instance count. "
                         "No training job was started")
    return warnings
