"""Lambda functions run in-process: invoking one runs its real handler with its environment."""

import importlib.util
import io
import json
import logging
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from pipeline_common import config

from .overrides import override


@dataclass
class LocalFunction:
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    layer_dirs: list[Path]
    timeout: int
    module: ModuleType | None = field(default=None, repr=False)
    logs: list[str] = field(default_factory=list)


class Runtime:
    """The registry of emulated functions and the code that runs them."""

    def __init__(self, base_environment: dict[str, str]) -> None:
        self.functions: dict[str, LocalFunction] = {}
        self.base_environment = base_environment
        self._lock = threading.Lock()

    def register(self, function: LocalFunction) -> None:
        self.functions[function.name] = function

    @contextmanager
    def _function_environment(self, function: LocalFunction) -> Iterator[None]:
        """The function's variables reach its code through pipeline_common.config (the only reader of them); os.environ
        holds the base environment for the whole run (``installed``): executions run at once, and a thread that
        replaced os.environ under another one reading it (botocore does) would break that one."""
        saved_path = list(sys.path)
        sys.path[:0] = [str(function.code_dir)] + [str(d) for d in function.layer_dirs]
        try:
            with config.environment({**self.base_environment, **function.environment, "AWS_LAMBDA_FUNCTION_NAME": function.name}):
                yield
        finally:
            sys.path[:] = saved_path

    def _load(self, function: LocalFunction) -> ModuleType:
        if function.module is None:
            module_file, _ = function.handler.rsplit(".", 1)
            path = function.code_dir / f"{module_file.replace('.', '/')}.py"
            if not path.is_file():
                raise FileNotFoundError(f"handler {function.handler} of {function.name}: no file {path}")
            spec = importlib.util.spec_from_file_location(f"local_lambda_{function.name}_{module_file}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            function.module = module
        return function.module

    @staticmethod
    def _call(function: LocalFunction, module: ModuleType, event: Any, context: Any) -> Any:
        """Run the handler with its Powertools logger writing to the function's log, as CloudWatch Logs collects it."""
        handler = getattr(getattr(module, "log", None), "logger_handler", None)
        buffer = io.StringIO()
        # Swapped without StreamHandler.setStream, which flushes the stream it replaces (possibly closed by now).
        previous = handler.stream if isinstance(handler, logging.StreamHandler) else None
        if previous is not None:
            handler.stream = buffer
        try:
            return getattr(module, function.handler.rsplit(".", 1)[1])(event, context)
        finally:
            if previous is not None:
                handler.stream = previous
            function.logs.extend(line for line in buffer.getvalue().splitlines() if line.strip())

    def invoke(self, name: str, event: Any) -> tuple[bytes, bool]:
        """The response payload and whether it is a function error, as Lambda returns them."""
        function = self.functions.get(name.rsplit(":function:", 1)[-1].split(":")[0])
        if function is None:
            raise KeyError(f"no emulated function {name!r}; known: {sorted(self.functions)}")
        context = SimpleNamespace(
            function_name=function.name,
            function_version="$LATEST",
            invoked_function_arn=name,
            memory_limit_in_mb=256,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{function.name}",
            log_stream_name="local",
            get_remaining_time_in_millis=lambda: function.timeout * 1000,
        )
        with self._lock, self._function_environment(function):
            try:
                module = self._load(function)
                result = self._call(function, module, event, context)
                # Step Functions takes only strict JSON: a bare NaN from a handler is an error here, not a quiet pass.
                payload, errored = json.dumps(result, allow_nan=False).encode(), False
            except Exception as error:  # a Lambda reports any exception as a function error
                payload = json.dumps(
                    {
                        "errorType": type(error).__name__,
                        "errorMessage": str(error),
                        "stackTrace": traceback.format_tb(error.__traceback__)[-3:],
                    }
                ).encode()
                errored = True
        return payload, errored

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Route moto's Lambda invoke (used by its Step Functions executor) to this runtime."""
        runtime = self
        saved = {key: os.environ.get(key) for key in self.base_environment}
        os.environ.update(self.base_environment)

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            event = json.loads(body) if body else {}
            payload, errored = runtime.invoke(function_name, event)
            if errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            return payload

        try:
            with override(LambdaSimpleBackend, "invoke", invoke, rows=("lambda-invoke-function-error",)):
                yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
