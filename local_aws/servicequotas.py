"""Service Quotas' ListServiceQuotas (the applied values) and ListAWSDefaultServiceQuotas (the defaults), which
moto does not implement: the quotas a scenario sets, answered in the API's shape. A quota whose applied value
is None is not listed by ListServiceQuotas ("If the applied quota value is not available for a quota, the
quota is not retrieved"); ``refusal`` makes both calls answer that error code (denied, throttled)."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.servicequotas.responses import ServiceQuotasResponse

from .overrides import override

# Applied SageMaker quotas of the emulated account, unless a scenario says otherwise.
DEFAULT_QUOTAS: dict[str, float | None] = {"ml.m5.large for training job usage": 4.0, "ml.m5.large for endpoint usage": 4.0}
# The AWS defaults of the same quotas, and of spot training's own.
AWS_DEFAULT_QUOTAS = {"ml.m5.large for training job usage": 2.0, "ml.m5.large for spot training job usage": 2.0,
                      "ml.m5.large for endpoint usage": 2.0}


def _page(service: str, values: dict[str, float | None]) -> str:
    listed = [{"ServiceCode": service, "QuotaName": name, "QuotaCode": f"L-{abs(hash(name)) % 10**8:08d}", "Value": value,
               "Adjustable": True, "GlobalQuota": False} for name, value in values.items() if value is not None] if service == "sagemaker" else []
    return json.dumps({"Quotas": listed})


@contextmanager
def applied_quotas(quotas: dict[str, float | None], refusal: str = "") -> Iterator[None]:
    applied = {**DEFAULT_QUOTAS, **quotas}

    def answer(response: ServiceQuotasResponse, values: dict[str, float | None]) -> str | tuple[str, dict[str, Any]]:
        if refusal:
            return json.dumps({"__type": refusal, "message": f"emulated {refusal}"}), {"status": 400, "Content-Type": "application/x-amz-json-1.1"}
        return _page(json.loads(response.body or "{}").get("ServiceCode", ""), values)

    with override(ServiceQuotasResponse, "list_service_quotas", lambda response: answer(response, applied),
                  rows=("service-quotas-applied",), create=True), \
            override(ServiceQuotasResponse, "list_aws_default_service_quotas", lambda response: answer(response, AWS_DEFAULT_QUOTAS),
                     rows=("service-quotas-applied",), create=True):
        yield
