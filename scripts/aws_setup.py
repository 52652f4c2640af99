#!/usr/bin/env python3
"""Exit 2 with one line saying how to set them when the AWS region or credentials are missing (no network call).

create-stack.sh and delete-stack.sh run it first, before rendering or building anything.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli  # noqa: E402


def main(argv: list[str]) -> int:
    name = argv[0] if argv else cli.script_name()
    session = cli.session(argv[1] if len(argv) > 1 and argv[1] else None)
    if not session.region_name:
        print(f"{name}: {cli.NO_REGION}", file=sys.stderr)
        return cli.USAGE
    if session.get_credentials() is None:
        print(f"{name}: {cli.NO_CREDENTIALS}", file=sys.stderr)
        return cli.USAGE
    print(session.region_name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
