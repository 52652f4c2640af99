"""The container's entry points forked from a warm interpreter (``zygote.py``) instead of a fresh Python each.

A fresh ``python training/train`` spends about a second importing scikit-learn and NumPy before it reads
a row, and a scenario starts several trainings and model servers. The zygote imports them once per
process of ours; each entry point is still its own OS process with the job's environment, working
directory, output files and exit code, that can be signalled and killed. ``Job`` offers the part of
``subprocess.Popen`` the local run uses.
"""

import json
import os
import signal
import subprocess
import sys
import threading
from itertools import count
from pathlib import Path

ZYGOTE = Path(__file__).with_name("zygote.py")
PRELOAD = ("numpy", "joblib", "sklearn.ensemble", "sklearn.metrics")
START_TIMEOUT_SECONDS = 60


class Job:
    def __init__(self, script: Path, pid: int, stdout: Path, stderr: Path) -> None:
        self.args = [str(script)]
        self.pid, self.stdout_path, self.stderr_path = pid, stdout, stderr
        self.returncode: int | None = None
        self._exited = threading.Event()

    def _exit(self, code: int) -> None:
        self.returncode = code
        self._exited.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def output(self) -> tuple[str, str]:
        return self.stdout_path.read_text(errors="replace"), self.stderr_path.read_text(errors="replace")

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return self.output()

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """One warm interpreter per process of ours, started on first use (or ahead with ``prestart``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._ids = count()
        self._starting: dict[int, tuple[threading.Event, list[Job]]] = {}
        self._jobs: dict[int, Job] = {}
        self._pending: dict[int, dict] = {}

    def prestart(self) -> None:
        with self._lock:
            self._ensure()

    def _ensure(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            environment = {"PATH": "/usr/bin:/bin", **{k: os.environ[k] for k in ("TMPDIR",) if k in os.environ}}
            self._process = subprocess.Popen([sys.executable, str(ZYGOTE), *PRELOAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL, env=environment, cwd="/")
            threading.Thread(target=self._read, args=(self._process,), name="warm-zygote", daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            message = json.loads(line)
            with self._lock:
                if "id" in message:
                    job = Job(**self._pending.pop(message["id"]), pid=message["pid"])
                    self._jobs[job.pid] = job
                    started, found = self._starting.pop(message["id"])
                    found.append(job)
                    started.set()
                elif message["pid"] in self._jobs:
                    self._jobs.pop(message["pid"])._exit(message["code"])
        with self._lock:
            if self._process is process:
                self._process = None
            lost, self._jobs = self._jobs, {}
            for started, _ in self._starting.values():
                started.set()
            self._starting.clear()
            self._pending.clear()
        for job in lost.values():
            job._exit(-signal.SIGKILL)

    def start(self, script: Path, cwd: Path, env: dict[str, str], logs: Path) -> Job:
        """Run ``script`` as ``python script`` would, in ``cwd`` with exactly ``env``; its output lands in ``logs``."""
        logs.mkdir(parents=True, exist_ok=True)
        stdout, stderr = logs / "stdout.log", logs / "stderr.log"
        started, found = threading.Event(), []
        with self._lock:
            process = self._ensure()
            job_id = next(self._ids)
            self._pending[job_id] = {"script": script, "stdout": stdout, "stderr": stderr}
            self._starting[job_id] = (started, found)
            request = {"id": job_id, "script": str(script), "cwd": str(cwd), "env": env, "stdout": str(stdout), "stderr": str(stderr)}
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
        if not started.wait(START_TIMEOUT_SECONDS) or not found:
            raise OSError(f"the warm interpreter did not start {script.name} within {START_TIMEOUT_SECONDS} s")
        return found[0]


zygote = Zygote()
