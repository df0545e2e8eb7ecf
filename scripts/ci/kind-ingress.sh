#!/usr/bin/env bash
# ingress-nginx in the kind cluster (its kind provider manifest: the controller runs on the node
# labelled ingress-ready=true, see .github/kind-config.yaml). The chart's Ingress (className nginx)
# and NetworkPolicy (the gateway admits the namespace ingress-nginx) expect exactly this.
#   bash scripts/ci/kind-ingress.sh
set -euo pipefail
version=${INGRESS_NGINX_VERSION:-controller-v1.12.1}
kubectl apply -f "https://raw.githubusercontent.com/kubernetes/ingress-nginx/$version/deploy/static/provider/kind/deploy.yaml"
kubectl --namespace ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=300s
# The admission webhook's certificate jobs (create, patch) must be done before an Ingress can be
# created; a job already removed (TTL) is done too.
if kubectl --namespace ingress-nginx get jobs -o name | grep -q .; then
  kubectl --namespace ingress-nginx wait --for=condition=complete job --all --timeout=300s
fi
