"""The warm interpreter behind local_aws.warm: imports the container's heavy libraries once, then
forks one process per entry point it is asked to run, and reports each one's pid and exit code.

Protocol, one JSON object per line. stdin: {"id", "script", "cwd", "env", "stdout", "stderr"}.
stdout: {"id", "pid"} once forked, {"pid", "code"} once reaped (code as subprocess reports it:
negative for a signal). When stdin closes (its parent is gone), every job still running is killed.

Runs as a plain script with the standard library and the preloaded packages only: it must not
import the project (a job sees what a fresh ``python script`` in the container would see).
"""

import importlib
import json
import os
import runpy
import selectors
import signal
import sys
import tempfile
import traceback


def _interpreter_path() -> list[str]:
    """The sys.path a fresh interpreter has before its script's folder and PYTHONPATH: stdlib and site-packages."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return [p for p in sys.path if p and any(os.path.realpath(p).startswith(prefix + os.sep) for prefix in prefixes)]


BASE_PATH = _interpreter_path()


def _exit_code(exit: SystemExit) -> int:
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code
    print(exit.code, file=sys.stderr)
    return 1


def _run_job(job: dict, inherited: set[int]) -> int:
    """In the forked child: become ``python script`` with the job's environment, cwd and output files;
    ``inherited`` are the zygote's own descriptors, closed here."""
    for number, handler in ((signal.SIGCHLD, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
        signal.signal(number, handler)
    signal.set_wakeup_fd(-1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    for fd in inherited | {devnull}:
        os.close(fd)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    tempfile.tempdir = None
    script = os.path.abspath(job["script"])
    extra = [p for p in job["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [os.path.dirname(script), *extra, *BASE_PATH]
    sys.argv = [script]
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    try:
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as exit:
        code = _exit_code(exit)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code


def serve(requests, replies) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(wake_w)
    running: set[int] = set()

    def say(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    def reap() -> None:
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            running.discard(pid)
            say({"pid": pid, "code": os.waitstatus_to_exitcode(status)})

    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    buffered = b""
    while True:
        for key, _ in selector.select():
            if key.fileobj == wake_r:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                reap()
                continue
            chunk = os.read(requests.fileno(), 65536)
            if not chunk:
                for pid in running:
                    os.kill(pid, signal.SIGKILL)
                return
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                job = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        code = _run_job(job, {wake_r, wake_w, replies.fileno()})
                    finally:
                        os._exit(code)
                running.add(pid)
                say({"id": job["id"], "pid": pid})
        reap()


def main() -> None:
    for module in sys.argv[1:]:
        importlib.import_module(module)
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
