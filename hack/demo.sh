#!/usr/bin/env bash
# make demo: the local cluster (started by make's prerequisites), the CRDs, the examples'
# prerequisites, the operator in the background and examples/ running to completion.
#
#   hack/demo.sh         run the demo (the operator keeps running afterwards, for looking around)
#   hack/demo.sh stop    stop the operator the demo started (make demo-stop)
#
# Environment: BENCH_KUBECONFIG (default .cache/testenv/kubeconfig), DEMO_NAMESPACE (bench-demo),
# DEMO_TIMEOUT (seconds to wait for the suites, 300).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/hack/testenv/versions.sh"
kubeconfig="${BENCH_KUBECONFIG:-$root/.cache/testenv/kubeconfig}"
kubectl() { "$TESTENV_BIN/kubectl" --kubeconfig "$kubeconfig" "$@"; }
ns="${DEMO_NAMESPACE:-bench-demo}"
timeout="${DEMO_TIMEOUT:-300}"
state="$root/.cache/demo"
log_file="$state/operator.log"
pid_file="$state/operator.pid"
node="$root/node_modules/.bin/node"
examples="$root/examples"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() {
  printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2
  if [[ -f "$log_file" ]]; then
    echo "Last lines of the operator log ($log_file):" >&2
    tail -n 20 "$log_file" >&2 || true
  fi
  if demo_operator_pid >/dev/null; then
    echo "The operator is still running, for looking around: make demo-stop stops it." >&2
  fi
  exit 1
}

# The demo's operator, if it is still running: the pid in the pid file, checked against its command
# line so a recycled pid is never killed.
demo_operator_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid=$(<"$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'operator/src/main.ts' || return 1
  echo "$pid"
}

stop_operator() {
  local pid
  if pid=$(demo_operator_pid); then
    # SIGTERM: finish in-flight reconciles and exit; SIGKILL if it has not within 15 s.
    kill -TERM "$pid"
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped the demo operator (pid $pid)"
  else
    echo "no demo operator running"
  fi
  rm -f "$pid_file"
}

if [[ "${1:-}" == "stop" ]]; then
  stop_operator
  exit 0
fi

started=$(date +%s)
mkdir -p "$state"

step "The local cluster (kube-apiserver $K8S_VERSION, KWOK nodes)"
kubectl version
kubectl get nodes -L bench.dev/node-pool,bench.dev/accelerator,topology.kubernetes.io/zone

step "The CRDs (make install)"
"$root/hack/install-crds.sh"

step "A clean namespace: $ns"
stop_operator
if kubectl get namespace "$ns" >/dev/null 2>&1; then
  # Suites from a previous demo would already be finished: start again from nothing.
  kubectl delete namespace "$ns" --wait=true --timeout=120s
fi
kubectl create namespace "$ns"

# examples/ is the README's reference; fall back to config/samples (with its own prerequisites)
# if this checkout has none.
if [[ ! -d "$examples" ]]; then
  echo "examples/ not found: waiting up to 60 s for it"
  for _ in $(seq 1 30); do
    [[ -d "$examples" ]] && break
    sleep 2
  done
fi

step "Prerequisites: PriorityClasses and placeholder API key Secrets"
if [[ -f "$examples/00-prerequisites.yaml" ]]; then
  kubectl apply -n "$ns" -f "$examples/00-prerequisites.yaml"
else
  kubectl apply -f - <<'YAML'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: bench-nightly
value: 1000
description: Nightly benchmark runs (bench-operator demo).
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: bench-adhoc
value: 100
description: Ad-hoc benchmark runs (bench-operator demo).
YAML
  for provider in openai anthropic; do
    kubectl create secret generic "$provider-credentials" -n "$ns" --from-literal=apiKey=placeholder-replace-me
  done
fi

step "The operator, in the background (logs: ${log_file#"$root"/})"
: >"$log_file"
# Its own session, so it outlives this script and make; ports picked free and read from its log.
KUBECONFIG="$kubeconfig" setsid "$node" "$root/operator/src/main.ts" \
  --leader-elect=false --namespaces="$ns" \
  --health-probe-bind-address=127.0.0.1:0 --metrics-bind-address=127.0.0.1:0 \
  >>"$log_file" 2>&1 </dev/null &
echo $! >"$pid_file"
health_port=""
for _ in $(seq 1 300); do
  demo_operator_pid >/dev/null || fail "the operator exited during start-up"
  health_port=$(grep -o '"healthPort":[0-9]*' "$log_file" | head -n1 | cut -d: -f2 || true)
  [[ -n "$health_port" ]] && break
  sleep 0.1
done
[[ -n "$health_port" ]] || fail "the operator did not start within 30 s"
metrics_port=$(grep -o '"metricsPort":[0-9]*' "$log_file" | head -n1 | cut -d: -f2)
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 || fail "the operator is not ready (caches not synced) after 30 s"
echo "operator pid $(<"$pid_file") ready: http://127.0.0.1:$health_port/readyz, metrics http://127.0.0.1:$metrics_port/metrics"

step "The examples"
if [[ -d "$examples" ]]; then
  kubectl apply -n "$ns" -f "$examples"
else
  echo "examples/ not found: applying config/samples instead"
  kubectl apply -n "$ns" -k "$root/config/samples"
fi

# A suite whose SchedulePolicy has a cron schedule waits for its next tick (nightly-eval: 02:00).
# Ask for a round now, as a user would, with the re-run annotation (benchctl rerun does the same).
for suite in $(kubectl get benchmarksuites -n "$ns" -o jsonpath='{.items[*].metadata.name}'); do
  policy=$(kubectl get benchmarksuite "$suite" -n "$ns" -o jsonpath='{.spec.schedulePolicyRef}')
  [[ -n "$policy" ]] || continue
  if [[ -n "$(kubectl get schedulepolicy "$policy" -n "$ns" -o jsonpath='{.spec.schedule}' 2>/dev/null)" ]]; then
    echo "$suite follows the schedule of $policy; running a round now: kubectl annotate benchmarksuite $suite bench.dev/requested-at=..."
    kubectl annotate benchmarksuite "$suite" -n "$ns" --overwrite "bench.dev/requested-at=demo-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
done

step "Progress (kubectl get benchmarksuites -n $ns, every 2 s until every suite has finished)"
phases() {
  kubectl get benchmarksuites -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}'
}
deadline=$((SECONDS + timeout))
previous=""
while :; do
  table=$(kubectl get benchmarksuites -n "$ns" 2>&1 || true)
  if [[ "$table" != "$previous" ]]; then
    printf '\n[%3ds]\n%s\n' "$(($(date +%s) - started))" "$table"
    previous="$table"
  fi
  total=$(phases | wc -l)
  finished=$(phases | grep -cE '^(Succeeded|Failed)$' || true)
  ((total > 0 && finished == total)) && break
  demo_operator_pid >/dev/null || fail "the operator exited while the suites were running"
  if ((SECONDS >= deadline)); then
    kubectl get benchmarksuites -n "$ns" \
      -o jsonpath='{range .items[*]}{.metadata.name}: {range .status.runs[*]}{.name}={.state}/{.reason}{"; "}{end}{"\n"}{end}' >&2
    fail "the suites did not all finish within $timeout s ($finished of $total did)"
  fi
  sleep 2
done

step "The Jobs the operator created"
kubectl get jobs -n "$ns" -L bench.dev/suite,bench.dev/provider

step "Results (status.runs)"
kubectl get benchmarksuites -n "$ns" \
  -o jsonpath='{range .items[*]}{range .status.runs[*]}{.name}{"\t"}{.state}{"\tscore="}{.result.score}{"\n"}{end}{end}' |
  column -t -s $'\t'

failed=$(phases | grep -c '^Failed$' || true)
cat <<MSG

Done in $(($(date +%s) - started)) s: $(phases | wc -l) suites finished, $failed of them Failed.
The operator is still running (pid $(<"$pid_file")), so you can change things and watch it react.

Look around:
  export KUBECONFIG=$kubeconfig
  alias kubectl=$TESTENV_BIN/kubectl
  kubectl get bs,pp,sp -n $ns                    # suites, provider and schedule policies
  kubectl describe bs smoke -n $ns               # runs, conditions, events
  kubectl get events -n $ns --sort-by=.metadata.creationTimestamp
  kubectl get jobs,pods -n $ns -o wide
  kubectl annotate bs smoke -n $ns bench.dev/requested-at="\$(date -Is)" --overwrite   # run again
  tail -f ${log_file#"$root"/}                 # the operator's log (JSON; | npx pino-pretty)
  curl -s http://127.0.0.1:$metrics_port/metrics | grep ^controller_runtime

Stop:
  make demo-stop       # the operator
  make cluster-down    # the local cluster
MSG
((failed == 0)) || fail "$failed suite(s) Failed"
