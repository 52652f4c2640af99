#!/usr/bin/env bash
# Build the example training/serving image (training/Dockerfile), push it to ECR (creating the
# repository if missing) and print the image URI to pass as the TrainingImage parameter.
#   scripts/build-and-push-image.sh [REPOSITORY] [TAG]      (defaults: retrain-model, the git commit)
# Needs docker and the AWS CLI with credentials for the target account and region.
set -euo pipefail
cd "$(dirname "$0")/.."

REPOSITORY="${1:-retrain-model}"
TAG="${2:-$(git rev-parse --short HEAD 2>/dev/null || date +%Y%m%d%H%M%S)}"
[[ "$REPOSITORY" =~ ^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$ ]] || { echo "repository name '$REPOSITORY' is not a valid ECR name (lowercase letters, digits, . _ / -)" >&2; exit 2; }
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[[ -n "$REGION" ]] || { echo "no AWS region: set AWS_REGION" >&2; exit 2; }
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
REGISTRY="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
IMAGE="$REGISTRY/$REPOSITORY:$TAG"

if ! aws ecr describe-repositories --region "$REGION" --repository-names "$REPOSITORY" >/dev/null 2>&1; then
  aws ecr create-repository --region "$REGION" --repository-name "$REPOSITORY" \
    --image-scanning-configuration scanOnPush=true --image-tag-mutability IMMUTABLE >/dev/null
  echo "created ECR repository $REPOSITORY" >&2
fi
aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY" >&2
docker build --platform linux/amd64 -t "$IMAGE" training >&2
docker push "$IMAGE" >&2
echo "$IMAGE"
