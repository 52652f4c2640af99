# Sourced by create-stack.sh and delete-stack.sh: their arguments, then the region and credentials, checked
# first (no network call).

# stack_arguments NAME USAGE "$@": sets ENVIRONMENT (dev or prod; default dev), REGION (--region) and YES
# (--yes, when USAGE offers it); --help prints the script's header comment; anything else exits 2 with USAGE.
stack_arguments() {
  local name=$1 usage=$2
  shift 2
  ENVIRONMENT=dev REGION="" YES=""
  while (($#)); do
    case "$1" in
      -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
      --yes) [[ "$usage" == *"[--yes]"* ]] || { echo "$name: unknown argument '$1': usage: $usage" >&2; exit 2; }; YES="--yes" ;;
      --region) [[ $# -ge 2 ]] || { echo "$name: --region needs a value, e.g. --region eu-west-1" >&2; exit 2; }; REGION="$2"; shift ;;
      --region=*) REGION="${1#--region=}" ;;
      dev|prod) ENVIRONMENT="$1" ;;
      *) echo "$name: unknown argument '$1': usage: $usage" >&2; exit 2 ;;
    esac
    shift
  done
}

# require_aws NAME [REGION]: exits 2 with one line saying how to set what is missing; exports the region.
require_aws() {
  make --no-print-directory -s .venv/.installed
  REGION=$(.venv/bin/python scripts/aws_setup.py "$1" "${2:-}") || exit 2
  export REGION AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
}
