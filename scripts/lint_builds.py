#!/usr/bin/env python3
"""Lint what `sam deploy` would ship, for every build: statelint and cfn-lint on each stage combination and
deploy target, `sam validate --lint` and `sam build` on the default build.

Checks run concurrently, and a check whose inputs (file contents and the pinned tool versions) are the
same as in a run where it passed is not run again: its result cannot differ. `--all` ignores that record.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import render  # noqa: E402

BUILDS_DIR = ROOT / ".aws-sam" / "builds"
RECORD = ROOT / ".aws-sam" / "lint-passed.json"
VENV_BIN = Path(sys.executable).parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"
CFN_LINT_BATCHES = 2


@dataclass
class Check:
    name: str
    command: list[str]
    inputs: list[Path]
    sam: bool = False
    log: Path | None = None

    def key(self) -> str:
        digest = hashlib.sha256(json.dumps(self.command).encode())
        for path in self.inputs:
            digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def build_name(enabled: list[str], deploy_target: str) -> str:
    return f"{','.join(enabled) or 'none'}:{deploy_target}"


def render_builds() -> list[Path]:
    """Every build into .aws-sam/builds/<stages>:<target>/; returns the build folders, the default build first."""
    folders = [ROOT]
    for enabled, deploy_target in render.every_build():
        folder = BUILDS_DIR / build_name(enabled, deploy_target)
        render.render(out_dir=folder, enabled_stages=enabled, deploy_target=deploy_target)
        folders.append(folder)
    for deploy_target in ("endpoint", "batch"):   # many targets: the fan-out state machine and per-target resources
        folder = BUILDS_DIR / f"fan-out:{deploy_target}"
        render.render(out_dir=folder, deploy_target=deploy_target, fan_out={"targets": ["alpha", "beta"]},
                      enabled_stages=["batch_predict"] if deploy_target == "batch" else None)
        folders.append(folder)
    return folders


def code_files() -> list[Path]:
    """What `sam build` packages: the functions' and the layer's folders (no bytecode caches)."""
    return sorted(p for folder in ("lambda_functions", "layers") for p in (ROOT / folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def checks(folders: list[Path]) -> list[Check]:
    tools_dev, tools_sam = ROOT / "constraints-dev.txt", ROOT / "constraints-sam.txt"
    templates = [folder / render.OUTPUTS[render.TEMPLATE] for folder in folders]
    machines = [folder / render.OUTPUTS[name] for folder in folders for name in (render.STATE_MACHINE_TEMPLATE, render.FAN_OUT_TEMPLATE)
                if (folder / render.OUTPUTS[name]).exists()]
    batches = [templates[i::CFN_LINT_BATCHES] for i in range(CFN_LINT_BATCHES)]
    template = ROOT / "template.yaml"
    return [
        Check("statelint", [str(VENV_BIN / "statelint"), "--ignore=URI", *map(str, machines)], [*machines, tools_dev]),
        *[Check(f"cfn-lint ({len(batch)} templates)", [str(VENV_BIN / "cfn-lint"), *map(str, batch)], [*batch, tools_dev]) for batch in batches],
        Check("sam validate --lint", [str(SAM), "validate", "--lint", "--template", str(template)], [template, tools_sam], sam=True),
        Check("sam build", [str(SAM), "build", "--template", str(template), "--build-dir", str(ROOT / ".aws-sam" / "build")],
              [template, *code_files(), tools_sam], True, ROOT / ".aws-sam" / "build.log"),
    ]


def sam_environment() -> dict[str, str]:
    """`sam build` builds for the Lambda runtime's Python, which must be on PATH (scripts/lambda-python-dir finds it)."""
    found = subprocess.run([ROOT / "scripts" / "lambda-python-dir"], capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"lint_builds.py: {found.stderr.strip()}")
    return {**os.environ, "PATH": f"{found.stdout.strip()}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}


def run(check: Check, sam_env: dict[str, str] | None) -> tuple[bool, str]:
    result = subprocess.run(check.command, cwd=ROOT, env=sam_env if check.sam else None, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if check.log:
        check.log.write_text(output)
    return result.returncode == 0, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--all", action="store_true", help="run every check, also those that passed before on the same inputs")
    args = parser.parse_args(argv)
    folders = render_builds()
    passed = {} if args.all or not RECORD.exists() else json.loads(RECORD.read_text())
    todo = [(check, check.key()) for check in checks(folders)]
    sam_env = sam_environment() if any(check.sam and passed.get(check.name) != key for check, key in todo) else None
    failed = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = {check.name: pool.submit(run, check, sam_env) for check, key in todo if passed.get(check.name) != key}
        for check, key in todo:
            if check.name not in results:
                print(f"{check.name}: clean (inputs unchanged since it passed)")
                continue
            ok, output = results[check.name].result()
            if ok:
                passed[check.name] = key
                print(f"{check.name}: clean" + (f" (log: {check.log.relative_to(ROOT)})" if check.log else ""))
            else:
                passed.pop(check.name, None)
                failed.append(check.name)
                print(f"{check.name}: FAILED\n{output.rstrip()}", file=sys.stderr)
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(passed, indent=1, sort_keys=True))
    if failed:
        print(f"lint_builds.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"every build ({len(folders) - 1} stage combinations, deploy targets and fan-outs, and the default build): statelint and cfn-lint clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
