#!/bin/bash
# Ask the cluster for every Secret with kubectl, in all namespaces and as YAML, and one by
# name. There is no cluster here, so kubectl starts and is refused; the requests are recorded.
# technique: T1552.007
# expect: k8s-secrets-dump
set -eu
kubectl get secrets -A -o yaml 2>/dev/null || true
kubectl get secret/db-credentials -n prod -o jsonpath='{.data.password}' 2>/dev/null || true
