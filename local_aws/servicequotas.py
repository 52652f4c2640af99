"""Service Quotas' ListServiceQuotas (the applied values), which moto does not implement: the
quotas a scenario sets, answered in the API's shape."""

import json
from collections.abc import Iterator
from contextlib import contextmanager

from moto.servicequotas.responses import ServiceQuotasResponse

from .overrides import override

# Applied SageMaker quotas of the emulated account, unless a scenario says otherwise.
DEFAULT_QUOTAS = {"ml.m5.large for training job usage": 4.0, "ml.m5.large for endpoint usage": 4.0}


@contextmanager
def applied_quotas(quotas: dict[str, float]) -> Iterator[None]:
    values = {**DEFAULT_QUOTAS, **quotas}

    def list_service_quotas(response: ServiceQuotasResponse) -> str:
        service = json.loads(response.body or "{}").get("ServiceCode", "")
        listed = [{"ServiceCode": service, "QuotaName": name, "QuotaCode": f"L-{abs(hash(name)) % 10**8:08d}", "Value": value,
                   "Adjustable": True, "GlobalQuota": False} for name, value in values.items()] if service == "sagemaker" else []
        return json.dumps({"Quotas": listed})

    with override(ServiceQuotasResponse, "list_service_quotas", list_service_quotas, rows=("service-quotas-applied",), create=True):
        yield
