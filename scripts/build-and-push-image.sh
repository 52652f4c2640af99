#!/usr/bin/env bash
# Build the example training/serving image (training/Dockerfile), push it to ECR (creating the
# repository if missing) and print the image URI to pass as the TrainingImage parameter.
#
#   scripts/build-and-push-image.sh [REPOSITORY] [TAG]      (defaults: retrain-model, the git commit)
#
# Needs docker and the AWS CLI, with credentials for the target account, and a region
# (AWS_REGION, AWS_DEFAULT_REGION or the profile's). Exit status: 0 pushed, 1 a step failed,
# 2 a usage or setup error.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
fail() { echo "build-and-push-image.sh: $1" >&2; exit "${2:-2}"; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) fail "unknown option '$1' (see --help)" ;;
esac
[[ $# -le 2 ]] || fail "too many arguments: expected [REPOSITORY] [TAG] (see --help)"
REPOSITORY="${1:-retrain-model}"
TAG="${2:-$(git rev-parse --short HEAD 2>/dev/null || date +%Y%m%d%H%M%S)}"
[[ "$REPOSITORY" =~ ^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$ ]] || fail "repository name '$REPOSITORY' is not a valid ECR name (lowercase letters, digits, . _ / -)"
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || fail "tag '$TAG' is not a valid image tag (letters, digits, . _ -, at most 128)"
command -v aws >/dev/null || fail "needs the AWS CLI (aws): install it (https://docs.aws.amazon.com/cli/) and configure credentials"
command -v docker >/dev/null || fail "needs docker to build the image: install Docker and start its engine"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}"
[[ -n "$REGION" ]] || fail "no AWS region: set AWS_DEFAULT_REGION or AWS_REGION (or region in ~/.aws/config for your profile)"
ACCOUNT=$(aws sts get-caller-identity --region "$REGION" --query Account --output text 2>/dev/null) \
  || fail "no usable AWS credentials: set AWS_PROFILE to a configured profile (aws configure, or aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
REGISTRY="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
IMAGE="$REGISTRY/$REPOSITORY:$TAG"

if ! aws ecr describe-repositories --region "$REGION" --repository-names "$REPOSITORY" >/dev/null 2>&1; then
  aws ecr create-repository --region "$REGION" --repository-name "$REPOSITORY" \
    --image-scanning-configuration scanOnPush=true --image-tag-mutability IMMUTABLE >/dev/null \
    || fail "could not create ECR repository $REPOSITORY in $REGION (see the error above)" 1
  echo "created ECR repository $REPOSITORY" >&2
fi
aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY" >&2 \
  || fail "docker login to $REGISTRY failed (is the Docker engine running?)" 1
docker build --platform linux/amd64 -t "$IMAGE" training >&2 || fail "docker build failed (see above)" 1
docker push "$IMAGE" >&2 || fail "docker push of $IMAGE failed (see above)" 1
echo "$IMAGE"
