# Sourced by create-stack.sh and delete-stack.sh: the region and credentials, checked first (no network call).
# require_aws NAME [REGION]: exits 2 with one line saying how to set what is missing; exports the region.
require_aws() {
  make --no-print-directory -s .venv/.installed
  REGION=$(.venv/bin/python scripts/aws_setup.py "$1" "${2:-}") || exit 2
  export REGION AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
}
