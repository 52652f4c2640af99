"""Endpoints backed by real model servers; sagemaker-runtime invoke_endpoint is routed to them."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moto.core.exceptions import ServiceException
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from .containers import ModelServer
from .overrides import override


class ModelError(ServiceException):
    """SageMaker's answer when the model container answers 4xx/5xx: HTTP 424 with the container's status and body."""

    code = "ModelError"

    def __init__(self, endpoint: str, status: int, body: str) -> None:
        super().__init__(f"Received client error ({status}) from primary with message \"{body}\". See CloudWatch logs for {endpoint}.")
        self.OriginalStatusCode = status
        self.OriginalMessage = body


class Router:
    def __init__(self, s3, workdir: Path) -> None:
        self.s3 = s3
        self.workdir = workdir
        self.servers: dict[str, ModelServer] = {}

    def start_serving(self, backend, endpoint_name: str, config_name: str) -> str:
        """Start the config's model; returns why it cannot serve, or "" once it answers /ping."""
        config = backend.endpoint_configs[config_name]
        model = backend._models[config.production_variants[0]["ModelName"]]
        model_data = model.primary_container.get("ModelDataUrl", "")
        try:
            server = ModelServer(self.s3, model_data, self.workdir)
        except Exception as error:
            return f"cannot load model {model_data}: {type(error).__name__}: {error}"
        healthy, problem = server.healthy()
        if not healthy:
            server.stop()
            return f"the primary container for {config_name} did not pass the ping health check: {problem}"
        previous = self.servers.pop(endpoint_name, None)
        if previous:
            previous.stop()
        self.servers[endpoint_name] = server
        return ""

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    @contextmanager
    def installed(self) -> Iterator["Router"]:
        router = self

        def invoke_endpoint(response):
            name = response._get_params().get("EndpointName") or response.path.split("/")[2]
            server = router.servers.get(name)
            if server is None:
                raise ServiceException("ValidationError", f"Endpoint {name} of account 123456789012 not found.")
            status, body, content_type = server.invoke(response.body if isinstance(response.body, bytes) else response.body.encode(),
                                                       response.headers.get("Content-Type", "text/csv"))
            if status != 200:
                raise ModelError(name, status, body.decode(errors="replace"))
            return 200, {"Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": "AllTraffic"}, body

        try:
            with override(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint, rows=("invoke-endpoint-model-error",)):
                yield self
        finally:
            self.stop()
