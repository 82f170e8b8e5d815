#!/usr/bin/env bash
# Gateway overhead: the same small authenticated GET, first straight to the service, then through
# the gateway, with the same closed-loop load (infra/loadtest). Prints both and the ratios.
# Method and recorded figures: docs/benchmarks.md § Gateway overhead.
#
# Usage: infra/scripts/bench-gateway.sh --direct http://127.0.0.1:8081 --gateway http://127.0.0.1:8080 \
#          --path /v1/agents/a1 --token "$(cat .agentplane/admin-token)" \
#          [--connections 64] [--warmup 10] [--duration 30]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
DIRECT="" GATEWAY="" BENCH_PATH="" TOKEN="" CONNECTIONS=64 WARMUP=10 DURATION=30
while [ $# -gt 0 ]; do
  case "$1" in
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

run() {
  local label="$1" base="$2"
  "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx256m -cp "$CLASSPATH" \
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
