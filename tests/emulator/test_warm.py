"""The warm interpreter runs a container entry point as `python script` would, in its own process."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from local_aws import warm

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "entry"
    path.write_text("#!/usr/bin/env python3\n" + textwrap.dedent(body))
    return path


def test_a_job_sees_exactly_its_environment_folder_and_arguments_and_its_output_is_kept_apart(tmp_path):
    entry = script(tmp_path, """
        import os, sys
        print("cwd", os.getcwd())
        print("argv", sys.argv)
        print("env", sorted(os.environ.items()))
        print("oops", file=sys.stderr)
        sys.exit(3)
    """)
    job = warm.zygote.start(entry, tmp_path, {"ML_ROOT": "/x", "PATH": "/usr/bin:/bin"}, tmp_path / "logs")
    stdout, stderr = job.communicate(timeout=30)
    assert job.returncode == 3 and job.pid != os.getpid()
    assert f"cwd {tmp_path}" in stdout and f"argv {[str(entry)]}" in stdout
    assert "env [('ML_ROOT', '/x'), ('PATH', '/usr/bin:/bin')]" in stdout
    assert stderr == "oops\n"


def test_the_heavy_libraries_are_already_imported_and_the_path_is_a_fresh_interpreters(tmp_path):
    entry = script(tmp_path, """
        import json, sys
        print(json.dumps([all(name in sys.modules for name in ("numpy", "sklearn.ensemble")), sys.path, sys.prefix]))
    """)
    stdout, _ = warm.zygote.start(entry, tmp_path, {"PYTHONPATH": "/container"}, tmp_path / "logs").communicate(timeout=30)
    preloaded, path, prefix = json.loads(stdout)
    assert preloaded, "the job did not inherit the preloaded scikit-learn: it is not warm"
    assert path[:2] == [str(tmp_path), "/container"], "the script's folder, then PYTHONPATH, as `python script` puts them"
    assert all(Path(p).resolve().is_relative_to(Path(prefix).resolve()) or Path(p).resolve().is_relative_to(Path(sys.base_prefix).resolve())
               for p in path[2:]), f"the project leaks into the container's path: {path[2:]}"


@pytest.mark.parametrize(("body", "code", "said"), [
    ("raise RuntimeError('boom')", 1, "RuntimeError: boom"),
    ("import sys; sys.exit('AlgorithmError: nope')", 1, "AlgorithmError: nope"),
    ("pass", 0, ""),
])
def test_an_exit_is_reported_as_python_would(tmp_path, body, code, said):
    job = warm.zygote.start(script(tmp_path, body + "\n"), tmp_path, {}, tmp_path / "logs")
    _, stderr = job.communicate(timeout=30)
    assert job.returncode == code and said in stderr


def test_a_killed_job_reports_the_signal_and_a_wait_can_time_out(tmp_path):
    job = warm.zygote.start(script(tmp_path, "import time\ntime.sleep(60)\n"), tmp_path, {}, tmp_path / "logs")
    with pytest.raises(subprocess.TimeoutExpired):
        job.wait(timeout=0.2)
    job.kill()
    assert job.wait(timeout=10) == -signal.SIGKILL


def test_when_the_warm_interpreter_dies_its_jobs_end_and_the_next_job_starts_a_new_one(tmp_path):
    job = warm.zygote.start(script(tmp_path, "import time\ntime.sleep(60)\n"), tmp_path, {}, tmp_path / "logs")
    zygote = warm.zygote._ensure()
    zygote.kill()
    zygote.wait(timeout=10)
    job.kill()
    assert job.wait(timeout=10) in (-signal.SIGKILL,)
    again = warm.zygote.start(script(tmp_path, "print('again')\n"), tmp_path, {}, tmp_path / "logs2")
    assert again.communicate(timeout=30) == ("again\n", "") and again.returncode == 0


def test_the_zygote_ends_its_jobs_when_its_parent_goes(tmp_path):
    marker = tmp_path / "pid"
    parent = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from local_aws import warm
        from pathlib import Path
        job = warm.zygote.start(Path({str(script(tmp_path, "import time; time.sleep(60)"))!r}), Path("/"), {{}}, Path({str(tmp_path / "logs")!r}))
        Path({str(marker)!r}).write_text(str(job.pid))
    """)], timeout=60)
    assert parent.returncode == 0
    pid = int(marker.read_text())
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text():
            break
        subprocess.run(["sleep", "0.05"])
    else:
        pytest.fail(f"job {pid} outlived the process that started it")
