#!/usr/bin/env bash
# Remove the pipeline: the SageMaker endpoints, endpoint configs and models it created (found by
# their retrain-pipeline=<stack> tag), then the stack. ./delete-stack.sh [dev|prod] [--region REGION] [--yes]
# (default: dev; the region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else your profile's).
# Training jobs cannot be deleted in SageMaker; the model registry group and the S3 data are kept.
set -euo pipefail
cd "$(dirname "$0")"
export SAM_CLI_TELEMETRY=0

NAME=delete-stack.sh
source scripts/aws-setup.sh
stack_arguments "$NAME" "./delete-stack.sh [dev|prod] [--region REGION] [--yes] (default: dev)" "$@"
STACK=$(sed -n "/^\[$ENVIRONMENT.deploy.parameters\]/,/^\[/s/^stack_name = \"\(.*\)\"/\1/p" samconfig.toml)
[[ -n "$STACK" ]] || { echo "$NAME: no stack_name for '$ENVIRONMENT' in samconfig.toml" >&2; exit 2; }
require_aws "$NAME" "$REGION"   # before anything is deleted

make --no-print-directory -s .venv-sam/.installed
.venv/bin/python scripts/cleanup_sagemaker.py --stack "$STACK" --region "$REGION" $YES
if [[ -z "$YES" ]]; then
  read -r -p "Delete the CloudFormation stack $STACK? [y/N] " answer
  [[ "$answer" == [yY]* ]] || { echo "stack kept"; exit 0; }
fi
.venv-sam/bin/sam delete --stack-name "$STACK" --region "$REGION" --no-prompts
