#!/usr/bin/env bash
# make demo: the local cluster (started by make's prerequisites), the CRDs, the examples'
# prerequisites, the operator in the background and examples/ running to completion.
#
# Where this machine can run the cluster's real node (root; its packages, installed here when
# missing as `make tools` does; hack/testenv/node/node.sh check), the runs execute the bench-runner
# image (hack/images/build.sh) in real containers on node real-0, against a provider stand-in
# (hack/demo/stand-in.ts) on the node's bridge, so their scores are bench-runner's real scoring of
# the stand-in's answers. examples/ is then applied through hack/demo/kustomization.yaml, which
# changes only what must change to run here (placement and resources), with the ProviderPolicies'
# endpoints pointed at the stand-in; the demo shows the difference. Elsewhere the runs' pods are
# simulated by KWOK and their scores made up by the simulator. The demo says which of the two it did.
#
#   hack/demo.sh         run the demo (the operator and stand-in keep running, for looking around)
#   hack/demo.sh stop    stop the operator and stand-in the demo started (make demo-stop)
#
# Environment: BENCH_KUBECONFIG (default .cache/testenv/kubeconfig), DEMO_NAMESPACE (bench-demo),
# DEMO_TIMEOUT (seconds to wait for the suites, 300), DEMO_REAL_NODE (auto: the real node when this
# machine can run it; 0: KWOK only; 1: the real node, or fail saying why not).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/hack/testenv/versions.sh"
source "$root/hack/testenv/network.sh"
kubeconfig="${BENCH_KUBECONFIG:-$root/.cache/testenv/kubeconfig}"
kubectl() { "$TESTENV_BIN/kubectl" --kubeconfig "$kubeconfig" "$@"; }
ns="${DEMO_NAMESPACE:-bench-demo}"
timeout="${DEMO_TIMEOUT:-300}"
state="$root/.cache/demo"
log_file="$state/operator.log"
pid_file="$state/operator.pid"
stand_in_log="$state/stand-in.log"
stand_in_pid_file="$state/stand-in.pid"
node="$root/node_modules/.bin/node"
node_sh="$root/hack/testenv/node/node.sh"
examples="$root/examples"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# A paragraph the reader must not miss (what the scores are), in bold.
notice() { printf '\n\033[1m%s\033[0m\n' "$*"; }
operator_started="" # set once this run has started its operator: before, its log is an older run's
fail() {
  printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2
  if [[ -n "$operator_started" && -s "$log_file" ]]; then
    echo "Last lines of the operator log ($log_file):" >&2
    tail -n 20 "$log_file" | cut -c1-400 >&2 || true
  fi
  if demo_pid "$pid_file" operator/src/main.ts >/dev/null || demo_pid "$stand_in_pid_file" hack/demo/stand-in.ts >/dev/null; then
    echo "The operator (and provider stand-in) still run, for looking around: make demo-stop stops them." >&2
  fi
  exit 1
}

# A process the demo started, if it is still running: the pid in its pid file, checked against its
# command line so a recycled pid is never killed.
demo_pid() { # demo_pid PID_FILE COMMAND_LINE_PART
  [[ -f "$1" ]] || return 1
  local pid
  pid=$(<"$1")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$2"* ]] || return 1
  echo "$pid"
}

stop_process() { # stop_process WHAT PID_FILE COMMAND_LINE_PART
  local pid
  if pid=$(demo_pid "$2" "$3"); then
    # SIGTERM: finish what is in flight and exit; SIGKILL if it has not within 15 s.
    kill -TERM "$pid"
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped the demo $1 (pid $pid)"
  elif [[ "$1" == operator ]]; then
    echo "no demo operator running"
  fi
  rm -f "$2"
}
stop_operator() { stop_process operator "$pid_file" operator/src/main.ts; }
stop_stand_in() { stop_process "provider stand-in" "$stand_in_pid_file" hack/demo/stand-in.ts; }

if [[ "${1:-}" == "stop" ]]; then
  stop_operator
  stop_stand_in
  exit 0
fi

started=$(date +%s)
mkdir -p "$state"

# --- The real node, when this machine can run it ----------------------------------------------
# Sets no_real_node to why not (empty: it can).
no_real_node=""
real_node_check() {
  case "${DEMO_REAL_NODE:-auto}" in
    0)
      no_real_node="DEMO_REAL_NODE=0 asks for the simulated cluster only"
      return
      ;;
    auto | 1) ;;
    *) fail "DEMO_REAL_NODE is auto, 0 or 1, not '$DEMO_REAL_NODE'" ;;
  esac
  if [[ $(id -u) -ne 0 ]]; then
    no_real_node="the real node needs root (containerd, mounts, a network bridge), and the demo runs as $(id -un)"
    return
  fi
  if [[ ! -x "$node_sh" ]]; then
    no_real_node="hack/testenv/node/node.sh is missing or not executable"
    return
  fi
  # The node's packages and the image builder's (containerd, runc, CNI plugins, buildah...), as
  # `make tools` installs them: nothing happens when they are all there.
  if ! "$root/hack/deps-apt.sh"; then
    no_real_node="its Debian packages could not be installed (hack/deps-apt.sh, above)"
    return
  fi
  local why
  if ! why=$("$node_sh" check 2>&1); then
    no_real_node="${why#\[node\] }"
  fi
}

step "How the runs will execute"
real_node_check
real_node="" # "yes" when the runs execute on the real node
if [[ -z "$no_real_node" ]]; then
  real_node=yes
  echo "In real containers on the local cluster's real node $REAL_NODE_NAME (kubelet and containerd on this machine),"
  echo "with the bench-runner image, against a local provider stand-in."
elif [[ "${DEMO_REAL_NODE:-auto}" == 1 ]]; then
  fail "DEMO_REAL_NODE=1, but this machine cannot run the real node: $no_real_node"
else
  echo "Simulated: KWOK plays the nodes and their pods, no container runs and no provider is called."
  echo "(No real node here: $no_real_node.)"
fi

if [[ -n "$real_node" ]]; then
  step "The real node $REAL_NODE_NAME (hack/testenv/node/node.sh)"
  # Beside the running cluster (make's cluster-up; `REAL_NODE=1 cluster.sh up` does the same), or
  # reused when it runs. A node left from an earlier cluster (cluster.sh recreates the cluster when
  # its settings change) keeps that cluster's certificates and never registers again: it is
  # started anew.
  if [[ -d "$root/.cache/testenv/node" ]] && ! "$node_sh" status; then
    echo "$REAL_NODE_NAME is not Ready in this cluster: restarting it"
    "$node_sh" down
  fi
  "$node_sh" up || fail "the real node did not start (above); DEMO_REAL_NODE=0 runs the demo on KWOK alone"

  step "The bench-runner image (hack/images/build.sh: built once, then cached), imported into $REAL_NODE_NAME"
  images=$("$root/hack/images/build.sh") || fail "the images did not build (hack/images/build.sh, above)"
  runner_archive=$(sed -n 's/^bench-runner=//p' <<<"$images")
  [[ -n "$runner_archive" ]] || fail "hack/images/build.sh printed no bench-runner=<archive> line"
  "$node_sh" load "$runner_archive" || fail "the bench-runner image could not be imported into $REAL_NODE_NAME (above)"
fi

step "The local cluster (kube-apiserver $K8S_VERSION, KWOK nodes${real_node:+ and the real node $REAL_NODE_NAME})"
kubectl version
kubectl get nodes -L bench.dev/node-pool,bench.dev/accelerator,topology.kubernetes.io/zone

step "The CRDs (make install)"
"$root/hack/install-crds.sh"

step "A clean namespace: $ns"
stop_operator
stop_stand_in
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
operator_started=yes
health_port=""
for _ in $(seq 1 300); do
  demo_pid "$pid_file" operator/src/main.ts >/dev/null || fail "the operator exited during start-up"
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

if [[ -n "$real_node" ]]; then
  step "The provider stand-in, in the background (hack/demo/stand-in.ts; log: ${stand_in_log#"$root"/})"
  : >"$stand_in_log"
  setsid "$node" "$root/hack/demo/stand-in.ts" --host "$REAL_NODE_GATEWAY" >>"$stand_in_log" 2>&1 </dev/null &
  echo $! >"$stand_in_pid_file"
  listening=""
  for _ in $(seq 1 300); do
    listening=$(grep -m1 '^{"endpoints"' "$stand_in_log" || true)
    [[ -n "$listening" ]] && break
    demo_pid "$stand_in_pid_file" hack/demo/stand-in.ts >/dev/null ||
      fail "the provider stand-in exited during start-up: $(tail -n 5 "$stand_in_log")"
    sleep 0.1
  done
  [[ -n "$listening" ]] || fail "the provider stand-in did not listen within 30 s (${stand_in_log#"$root"/})"
  # "<policy> <endpoint>" lines, and the skills as "model 85 %, ..." for the notice before the results.
  endpoints=$("$node" -e 'for (const [p, e] of Object.entries(JSON.parse(process.argv[1]).endpoints)) console.log(p, e)' "$listening")
  skills=$("$node" -e 'const s = JSON.parse(process.argv[1]).skills; console.log(Object.entries(s).map(([m, v]) => `${m === "other" ? "other models" : m} ${Math.round(v * 100)} %`).join(", "))' "$listening")
  echo "stand-in pid $(<"$stand_in_pid_file"), one port per ProviderPolicy of examples/, each taking only the API key of its Secret:"
  sed 's/^/  /' <<<"$endpoints"
fi

step "The examples"
if [[ ! -d "$examples" ]]; then
  echo "examples/ not found: applying config/samples instead"
  kubectl apply -n "$ns" -k "$root/config/samples"
elif [[ -z "$real_node" ]]; then
  kubectl apply -n "$ns" -f "$examples"
else
  # examples/ through hack/demo's component, plus the stand-in's endpoints of this demo: written
  # here as a kustomization, and beside it one of examples/ alone, to show the difference object by
  # object (hack/demo/changes.ts).
  mkdir -p "$state/examples"
  {
    echo "# examples/ as they are (hack/demo.sh compares the demo's kustomization with this)."
    echo "resources:"
    for file in "$examples"/*.yaml; do echo "  - ../../../examples/${file##*/}"; done
  } >"$state/examples/kustomization.yaml"
  {
    echo "# Written by hack/demo.sh: examples/ as make demo applies them on the real node $REAL_NODE_NAME."
    echo "resources:"
    for file in "$examples"/*.yaml; do echo "  - ../../examples/${file##*/}"; done
    echo "components:"
    echo "  - ../../hack/demo # placement and resources for $REAL_NODE_NAME; each patch says why"
    echo "patches:"
    while read -r policy endpoint; do
      cat <<YAML
  # bench-runner calls the demo's provider stand-in, on the bridge $REAL_NODE_NAME's pods reach
  # (they have no route to the Internet), instead of the provider's API.
  - target: { kind: ProviderPolicy, name: $policy }
    patch: |-
      - op: add
        path: /spec/endpoint
        value: $endpoint
YAML
    done <<<"$endpoints"
  } >"$state/kustomization.yaml"
  kustomize() { kubectl kustomize --load-restrictor=LoadRestrictionsNone "$@"; }
  kustomize "$state/examples" >"$state/examples.yaml"
  kustomize "$state" >"$state/applied.yaml"
  echo "What differs from examples/ here (why: hack/demo/kustomization.yaml; endpoints: ${state#"$root"/}/kustomization.yaml):"
  "$node" "$root/hack/demo/changes.ts" "$state/examples.yaml" "$state/applied.yaml"
  echo
  kubectl apply -n "$ns" -f "$state/applied.yaml"
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
  demo_pid "$pid_file" operator/src/main.ts >/dev/null || fail "the operator exited while the suites were running"
  if ((SECONDS >= deadline)); then
    kubectl get benchmarksuites -n "$ns" \
      -o jsonpath='{range .items[*]}{.metadata.name}: {range .status.runs[*]}{.name}={.state}/{.reason}{"; "}{end}{"\n"}{end}' >&2
    fail "the suites did not all finish within $timeout s ($finished of $total did)"
  fi
  sleep 2
done

step "The Jobs the operator created"
kubectl get jobs -n "$ns" -L bench.dev/suite,bench.dev/provider

# The nodes each Job's pods ran on (a sharded run's Job has a pod per shard).
declare -A nodes_of=()
while IFS='|' read -r job node_name; do
  [[ -n "$job" && -n "$node_name" ]] || continue
  [[ ",${nodes_of[$job]:-}," == *",$node_name,"* ]] || nodes_of[$job]="${nodes_of[$job]:+${nodes_of[$job]},}$node_name"
done < <(kubectl get pods -n "$ns" -o jsonpath='{range .items[*]}{.metadata.labels.job-name}{"|"}{.spec.nodeName}{"\n"}{end}')

if [[ -n "$real_node" ]]; then
  elsewhere=$(printf '%s\n' "${nodes_of[@]}" | tr ',' '\n' | grep -vx "$REAL_NODE_NAME" | sort -u | paste -sd, || true)
  [[ -z "$elsewhere" ]] || fail "pods of the runs ran on $elsewhere, not only on $REAL_NODE_NAME"
  notice "About these scores: the runs executed bench-runner in real containers on node $REAL_NODE_NAME,
against a local stand-in provider (hack/demo/stand-in.ts), not OpenAI or Anthropic. The stand-in
answers right for a fixed share of the items that depends on the model, wrong for the others:
  $skills
(on datasets this small a run's score strays from that share). The scores are bench-runner's real
scoring of the stand-in's answers: they show the pipeline working end to end, not any model's quality."
else
  notice "About these scores: the runs' pods were simulated by KWOK; no container ran and no provider was
called. The scores are made up by the simulator (hack/testenv/stages/pod-complete.yaml, from a hash
of each pod's name), not measured.
(No real node here: $no_real_node.)"
fi

step "Results (status.runs, and the node each run's pods ran on)"
{
  echo "SUITE|RUN|STATE|SCORE|NODE"
  for suite in $(kubectl get benchmarksuites -n "$ns" -o jsonpath='{.items[*].metadata.name}'); do
    kubectl get benchmarksuite "$suite" -n "$ns" \
      -o jsonpath='{range .status.runs[*]}{.name}{"|"}{.state}{"|"}{.result.score}{"|"}{.job}{"\n"}{end}' |
      while IFS='|' read -r run run_state score job; do
        # At most 4 decimals: a sharded run's combined score can carry float noise (0.7875000000000001).
        [[ -z "$score" ]] || score=$(LC_ALL=C printf '%.4f' "$score" | sed -E 's/\.?0+$//')
        echo "$suite|$run|$run_state|${score:--}|${nodes_of[$job]:--}"
      done
  done
} | column -t -s '|'

step "History and gates (kubectl get benchmarkrounds -n $ns; benchctl results nightly-eval)"
# Each finished round leaves a BenchmarkRound record; nightly-eval's gate compares claude-sonnet's
# MMLU with gpt-4o's, pair by pair over the same questions (docs/results.md).
kubectl get benchmarkrounds -n "$ns"
echo
"$root/bin/benchctl" --kubeconfig "$kubeconfig" -n "$ns" results nightly-eval --compare claude-sonnet gpt-4o
echo
kubectl get benchmarksuite nightly-eval -n "$ns" \
  -o jsonpath='{range .status.gates[*]}gate {.name}: {.verdict}: {.message}{"\n"}{end}'

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
MSG
if [[ -n "$real_node" ]]; then
  # kubectl logs reaches the kubelet through the API server, when the API server can reach it.
  if kubectl logs -n "$ns" -l bench.dev/run=hello-gpt-4o-mini --tail=1 >/dev/null 2>&1; then
    echo "  kubectl logs -n $ns -l bench.dev/run=hello-gpt-4o-mini   # bench-runner's output: a JSON line per item"
  else
    echo "  kubectl get pods -n $ns -l bench.dev/suite=smoke -o jsonpath='{..terminated.message}'   # bench-runner's results"
  fi
  echo "  tail ${stand_in_log#"$root"/}                # the stand-in's answers: model, item, right or not"
fi
cat <<MSG

Stop:
  make demo-stop       # the operator${real_node:+ and the provider stand-in}
  make cluster-down    # the local cluster${real_node:+, the real node with it}
MSG
((failed == 0)) || fail "$failed suite(s) Failed"
