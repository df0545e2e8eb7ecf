#!/usr/bin/env bash
# The infrastructure the chart's values-dev.yaml points at, from k8s/dev: the namespace mercato,
# PostgreSQL, RabbitMQ and Redis (not the observability stack: the test does not need it).
#   bash scripts/ci/kind-infra.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
kubectl apply -f k8s/dev/00-namespace.yaml
kubectl apply -f k8s/dev/postgres.yaml -f k8s/dev/rabbitmq.yaml -f k8s/dev/redis.yaml
for workload in statefulset/postgres statefulset/rabbitmq deployment/redis; do
  kubectl --namespace mercato rollout status "$workload" --timeout=300s
done
kubectl --namespace mercato get pods -o wide
