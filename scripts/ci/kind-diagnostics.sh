#!/usr/bin/env bash
# What a failed kind job needs to be understood: objects, events, and the logs of every container
# (init containers included) in the namespace, and the ingress controller's logs.
#   bash scripts/ci/kind-diagnostics.sh NAMESPACE
set -uo pipefail
ns=${1:?usage: kind-diagnostics.sh NAMESPACE}
kubectl --namespace "$ns" get all,ingress,networkpolicy,secret -o wide
kubectl --namespace "$ns" get events --sort-by=.lastTimestamp
for pod in $(kubectl --namespace "$ns" get pods -o name); do
  echo "::group::$pod"
  kubectl --namespace "$ns" describe "$pod"
  kubectl --namespace "$ns" logs "$pod" --all-containers --prefix --tail=300
  kubectl --namespace "$ns" logs "$pod" --all-containers --prefix --tail=100 --previous 2>/dev/null
  echo "::endgroup::"
done
echo "::group::ingress-nginx"
kubectl --namespace ingress-nginx logs deployment/ingress-nginx-controller --tail=300
echo "::endgroup::"
exit 0
