"""What every operator script shares: run with the project's virtualenv, and turn AWS setup errors
into one line saying what is missing and how to set it.

Imports nothing outside the standard library at module level: it runs first, under whatever
``python3`` the shebang found.
"""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)

NO_REGION = "no AWS region: set AWS_DEFAULT_REGION or AWS_REGION (or `region` in ~/.aws/config for your profile), or pass --region"
NO_CREDENTIALS = ("no AWS credentials: set AWS_PROFILE to a configured profile (aws configure, or aws sso login), "
                  "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")


def script_name() -> str:
    return Path(sys.argv[0]).name


USAGE = 2
ENV_HELP = "samconfig.toml environment of the deployed stack: dev or prod (default: dev)"


class UsageError(SystemExit):
    """A usage or setup error: one line on stderr starting with the script's name, exit status 2."""

    def __init__(self, message: str) -> None:
        print(f"{script_name()}: {message}", file=sys.stderr)
        super().__init__(USAGE)


def use_project_venv() -> None:
    """Re-run this script with .venv/bin/python (creating the virtualenv on first use)."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"{script_name()}: needs Python {'.'.join(map(str, MIN_PYTHON))}+ to create the project's virtualenv; found {sys.version.split()[0]}")
    if not (VENV / ".installed").exists():
        print(f"{script_name()}: first use: creating the project's virtualenv (make .venv/.installed)", file=sys.stderr)
        made = subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "-s", ".venv/.installed"], stdout=sys.stderr)
        if made.returncode != 0:
            sys.exit(f"{script_name()}: could not create {VENV}: run `make .venv/.installed` in {ROOT} and read its error")
    python = VENV / "bin" / "python"
    os.execv(python, [str(python), *sys.argv])


@contextmanager
def aws_errors(describe_stack: Callable[[], str] | None = None) -> Iterator[None]:
    """One line and exit status 2 for a missing region or credentials, 1 for what AWS refused."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError, PartialCredentialsError

    name = script_name()
    try:
        yield
    except NoRegionError:
        raise SystemExit(_exit(f"{name}: {NO_REGION}", 2)) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise SystemExit(_exit(f"{name}: {NO_CREDENTIALS}", 2)) from None
    except EndpointConnectionError as error:
        raise SystemExit(_exit(f"{name}: cannot reach AWS at {error.kwargs.get('endpoint_url')}: check the network and the region", 1)) from None
    except ClientError as error:
        code, message = error.response["Error"].get("Code", ""), error.response["Error"].get("Message", "")
        if code == "ValidationError" and "does not exist" in message and describe_stack:   # docs/aws-behaviours.md, cloudformation-stack-missing
            raise SystemExit(_exit(f"{name}: {message}: deploy it with ./create-stack.sh, or pass the --region it is in ({describe_stack()})", 1)) from None
        raise SystemExit(_exit(f"{name}: AWS refused {error.operation_name}: {code}: {message}", 1)) from None
    except BotoCoreError as error:
        raise SystemExit(_exit(f"{name}: {error}", 1)) from None


def session(region: str | None):
    """A boto3 session in ``region``, else AWS_REGION (which botocore itself ignores), else the profile's."""
    import boto3

    return boto3.Session(region_name=region or os.environ.get("AWS_REGION") or None)


def _exit(message: str, status: int) -> int:
    print(message, file=sys.stderr)
    return status
