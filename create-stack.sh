#!/usr/bin/env bash
# Render, build and deploy the pipeline: ./create-stack.sh [dev|prod] [--region REGION]   (default: dev)
#
# The region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else your profile's (AWS_PROFILE).
# Required environment: BUCKET (the data bucket), TRAINING_IMAGE (ECR URI, see
# scripts/build-and-push-image.sh). Optional: SLACK_WEBHOOK_SECRET_ARN, RENDER_CONFIG (build-time
# config file for render.py), PARAMETERS (more Key=Value overrides, e.g. "MetricFloor=0.9"), STACK_NAME
# (instead of samconfig.toml's, as scripts/aws-check deploys its throwaway copy).
set -euo pipefail
cd "$(dirname "$0")"
export SAM_CLI_TELEMETRY=0

NAME=create-stack.sh
source scripts/aws-setup.sh
stack_arguments "$NAME" "./create-stack.sh [dev|prod] [--region REGION] (default: dev)" "$@"
case "$ENVIRONMENT" in
  dev)  defaults="ResourcePrefix=retrain-dev EndpointName=multiclass-dev ScheduleState=DISABLED" ;;
  prod) defaults="ResourcePrefix=retrain EndpointName=multiclass ScheduleState=ENABLED" ;;
esac
[[ -n "${BUCKET:-}" ]] || { echo "$NAME: set BUCKET to the S3 bucket that holds input-data-training/ and input-data-validation/" >&2; exit 2; }
[[ -n "${TRAINING_IMAGE:-}" ]] || { echo "$NAME: set TRAINING_IMAGE to the ECR image URI printed by scripts/build-and-push-image.sh" >&2; exit 2; }
require_aws "$NAME" "$REGION"   # before anything is rendered or built

LAMBDA_PYTHON_DIR=$(scripts/lambda-python-dir)   # sam build needs the Lambda runtime's Python 3.13
export PATH="$LAMBDA_PYTHON_DIR:$PATH"
make --no-print-directory .venv/.installed .venv-sam/.installed
.venv/bin/python render.py ${RENDER_CONFIG:+--config "$RENDER_CONFIG"}
# deploy_target batch renders a template without an endpoint: no EndpointName to pass.
grep -q "^  EndpointName:" template.yaml || defaults=$(sed 's/EndpointName=[^ ]*//' <<<"$defaults")
SAM="${SAM:-.venv-sam/bin/sam}"

"$SAM" validate --lint --template template.yaml
"$SAM" build --template template.yaml
"$SAM" deploy --config-env "$ENVIRONMENT" --region "$REGION" ${STACK_NAME:+--stack-name "$STACK_NAME"} --parameter-overrides \
  Bucket="$BUCKET" TrainingImage="$TRAINING_IMAGE" \
  ${SLACK_WEBHOOK_SECRET_ARN:+SlackWebhookSecretArn="$SLACK_WEBHOOK_SECRET_ARN"} \
  $defaults ${PARAMETERS:-}

# The optional stages' Processing scripts (script mode reads them from the bucket).
if grep -q "ProcessingCodePrefix:" template.yaml; then
  code_prefix=$(printf '%s\n' ${PARAMETERS:-} | sed -n 's/^ProcessingCodePrefix=//p')
  aws s3 cp --recursive --exclude "*" --include "*.py" processing/ "s3://$BUCKET/${code_prefix:-code/processing}/"
fi
