"""SageMaker hosting entry point: GET /ping and POST /invocations (text/csv) on port 8080."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import joblib

from . import paths
from .data import DataError, read_rows
from .train import META_FILE, MODEL_FILE


class Predictor:
    def __init__(self) -> None:
        self.model = joblib.load(paths.model_dir() / MODEL_FILE)
        meta = json.loads((paths.model_dir() / META_FILE).read_text())
        self.objective, self.features = meta["objective"], meta["features"]

    def predict_csv(self, body: str) -> str:
        rows, _ = read_rows(body, "request", with_label=False)
        if rows.shape[1] != self.features:
            raise DataError(f"request rows have {rows.shape[1]} columns, the model expects {self.features} features (no label)")
        if self.objective == "multi:softprob":
            return "".join(",".join(f"{p:.6f}" for p in row) + "\n" for row in self.model.predict_proba(rows))
        return "".join(f"{label:g}\n" for label in self.model.predict(rows))


def handler_for(predictor: Predictor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: str, content_type: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._reply(200, "")
            else:
                self._reply(404, f"no route {self.path}: expected GET /ping or POST /invocations")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._reply(404, f"no route {self.path}: expected GET /ping or POST /invocations")
                return
            content_type = self.headers.get("Content-Type", "text/csv").split(";")[0].strip()
            if content_type != "text/csv":
                self._reply(415, f"content type {content_type!r} is not supported: expected text/csv")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            try:
                self._reply(200, predictor.predict_csv(body), "text/csv")
            except DataError as error:
                self._reply(400, str(error))

        def log_message(self, *args) -> None:
            pass

    return Handler


def main() -> int:
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0" if "ML_ROOT" not in os.environ else "127.0.0.1", port), handler_for(Predictor()))
    print(f"serving on port {port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
