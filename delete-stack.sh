#!/usr/bin/env bash
# Remove the pipeline: the SageMaker endpoints, endpoint configs and models it created (found by
# their retrain-pipeline=<stack> tag), then the stack. ./delete-stack.sh [dev|prod] [--yes]
# Training jobs cannot be deleted in SageMaker; the model registry group and the S3 data are kept.
set -euo pipefail
cd "$(dirname "$0")"
export SAM_CLI_TELEMETRY=0

ENVIRONMENT=dev
YES=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --yes) YES="--yes" ;;
    dev|prod) ENVIRONMENT="$arg" ;;
    *) echo "usage: $0 [dev|prod] [--yes]: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
STACK=$(sed -n "/^\[$ENVIRONMENT.deploy.parameters\]/,/^\[/s/^stack_name = \"\(.*\)\"/\1/p" samconfig.toml)
[[ -n "$STACK" ]] || { echo "no stack_name for '$ENVIRONMENT' in samconfig.toml" >&2; exit 2; }

make --no-print-directory .venv/.installed .venv-sam/.installed
.venv/bin/python scripts/cleanup_sagemaker.py --stack "$STACK" $YES
if [[ -z "$YES" ]]; then
  read -r -p "Delete the CloudFormation stack $STACK? [y/N] " answer
  [[ "$answer" == [yY]* ]] || { echo "stack kept"; exit 0; }
fi
.venv-sam/bin/sam delete --stack-name "$STACK" --no-prompts
