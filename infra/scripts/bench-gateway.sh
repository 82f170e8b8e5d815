#!/usr/bin/env bash
# Gateway overhead: the same small authenticated GET, first straight to the service, then through
# the gateway, with the same closed-loop load (infra/loadtest). Prints both and the ratios.
# Method and recorded figures: docs/benchmarks.md § Gateway overhead.
#
# Usage: infra/scripts/bench-gateway.sh --direct http://127.0.0.1:8081 --gateway http://127.0.0.1:8080 \
#          --path /v1/agents/a1 --token "$(cat .agentplane/admin-token)" \
#          [--connections 64] [--warmup 10] [--duration 30] [--pin]
#
# --pin gives the gateway a core of its own, as it has in a deployment: the gateway process on CPU 1,
# everything else (the load driver, the other services, PostgreSQL with its backends, Kafka) on CPU 0,
# for both phases, so "direct" and "through the gateway" get the same CPU for the service side. The
# processes come from the running devstack's .agentplane/pids; affinities are restored on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
DIRECT="" GATEWAY="" BENCH_PATH="" TOKEN="" CONNECTIONS=64 WARMUP=10 DURATION=30 PIN=false
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) PIN=true; shift; continue ;;
    --direct) DIRECT="$2" ;;
    --gateway) GATEWAY="$2" ;;
    --path) BENCH_PATH="$2" ;;
    --token) TOKEN="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --warmup) WARMUP="$2" ;;
    --duration) DURATION="$2" ;;
    *) echo "Unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done
if [ -z "$DIRECT" ] || [ -z "$GATEWAY" ] || [ -z "$BENCH_PATH" ]; then
  echo "Needs --direct URL --gateway URL --path PATH (and usually --token T); see the top of $0" >&2
  exit 2
fi

# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1

CLASSES="$ROOT/infra/loadtest/target/classes"
if [ ! -f "$ROOT/infra/loadtest/target/runtime-classpath.txt" ]; then
  (cd "$ROOT" && ./mvnw -B -q -pl infra/loadtest package -DskipTests -Dspotless.check.skip=true)
fi
CLASSPATH="$CLASSES:$(cat "$ROOT/infra/loadtest/target/runtime-classpath.txt")"

DRIVER_CPUS=""
if [ "$PIN" = true ]; then
  PIDS_FILE="$ROOT/.agentplane/pids"
  if [ ! -f "$PIDS_FILE" ] || ! command -v taskset >/dev/null; then
    echo "--pin needs a running ./agentplane stack ($PIDS_FILE) and taskset (util-linux)" >&2
    exit 2
  fi
  if [ "$(nproc)" -lt 2 ]; then
    echo "--pin needs at least 2 CPUs; this machine has $(nproc)" >&2
    exit 2
  fi
  ALL_CPUS="0-$(($(nproc) - 1))"
  # A process and everything it forked: PostgreSQL's backends, a service's child processes.
  pin_tree() {
    local cpus="$1" pid="$2" child
    taskset -a -pc "$cpus" "$pid" >/dev/null 2>&1 || true
    for child in $(pgrep -P "$pid" || true); do pin_tree "$cpus" "$child"; done
  }
  pin_stack() {
    local gateway_cpus="$1" others_cpus="$2" role pid _
    while read -r role pid _; do
      [ "$role" = launcher ] && continue
      if [ "$role" = gateway ]; then pin_tree "$gateway_cpus" "$pid"; else pin_tree "$others_cpus" "$pid"; fi
    done < "$PIDS_FILE"
  }
  trap 'pin_stack "$ALL_CPUS" "$ALL_CPUS"' EXIT
  pin_stack 1 0
  DRIVER_CPUS=0
  echo "pinned: gateway on CPU 1; load driver, services, PostgreSQL and Kafka on CPU 0"
fi

run() {
  local label="$1" base="$2"
  ${DRIVER_CPUS:+taskset -c "$DRIVER_CPUS"} "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx256m -cp "$CLASSPATH" \
    dev.agentplane.loadtest.LoadDriver --url "$base$BENCH_PATH" --token "$TOKEN" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --label "$label"
}

echo "GET $BENCH_PATH, $CONNECTIONS connections, ${WARMUP}s warm-up, ${DURATION}s measured, each phase"
DIRECT_OUT=$(run direct "$DIRECT")
echo "$DIRECT_OUT"
GATEWAY_OUT=$(run gateway "$GATEWAY")
echo "$GATEWAY_OUT"

field() { grep '^RESULT' | tr ' ' '\n' | grep "^$1=" | cut -d= -f2; }
awk -v drps="$(echo "$DIRECT_OUT" | field rps)" -v grps="$(echo "$GATEWAY_OUT" | field rps)" \
  -v d50="$(echo "$DIRECT_OUT" | field p50)" -v g50="$(echo "$GATEWAY_OUT" | field p50)" \
  -v d99="$(echo "$DIRECT_OUT" | field p99)" -v g99="$(echo "$GATEWAY_OUT" | field p99)" 'BEGIN {
  printf "gateway/direct throughput: %.3f (costs %.1f%% of direct req/s; target <= 15%%)\n", grps / drps, 100 * (1 - grps / drps)
  printf "added latency: p50 %+.3f ms (target <= 1 ms), p99 %+.3f ms\n", g50 - d50, g99 - d99
}'
