#!/usr/bin/env bash
# Gateway overhead: the same small authenticated GET straight to the service and through the
# gateway, with the same load (infra/loadtest), in alternating rounds so that drift (JIT, caches,
# the machine) falls on both sides alike. Each round runs a closed loop each way (the most each can
# take), and with --rate an open loop each way at that fixed arrival rate (the latency the gateway
# adds at that load). Prints every run, then the medians over the rounds and their ratios.
# Method and recorded figures: docs/benchmarks.md § Gateway overhead.
#
# Usage: infra/scripts/bench-gateway.sh --direct http://127.0.0.1:8081 --gateway http://127.0.0.1:8080 \
#          --path /v1/agents/a1 --token "$(cat .agentplane/admin-token)" \
#          [--connections 64] [--warmup 10] [--duration 30] [--rounds 3] [--warm-rounds 1] [--rate 800] [--pin]
#
# --warm-rounds runs that many rounds first and records nothing of them: a freshly started JVM
# needs a few hundred thousand requests before its JIT settles, far more than one --warmup.
#
# --pin splits the machine between the two sides of the gateway, as a deployment does with hosts:
# the service side (the services, PostgreSQL with its backends, Kafka) on CPU 0, the client side (the
# load driver, and the gateway) on CPU 1, for both phases. "Direct" and "through the gateway" then
# give the service the same core, every request reaches it from the other core either way, and the
# gateway costs the service only what it really takes from it. (Keeping the driver on CPU 0 with the
# service instead made the direct phase free of cross-core wake-ups while each gateway request
# crossed cores twice, which cost CPU 0 about 0.1 ms a request in softirq and wake-ups while the
# gateway's core idled at a third.) The processes come from the running devstack's .agentplane/pids;
# affinities are restored on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
DIRECT="" GATEWAY="" BENCH_PATH="" TOKEN="" CONNECTIONS=64 WARMUP=10 DURATION=30 ROUNDS=3 WARM_ROUNDS=1 RATE="" PIN=false
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
    --rounds) ROUNDS="$2" ;;
    --warm-rounds) WARM_ROUNDS="$2" ;;
    --rate) RATE="$2" ;;
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
  DRIVER_CPUS=1
  echo "pinned: load driver and gateway on CPU 1; services, PostgreSQL and Kafka on CPU 0"
fi

run() {
  local label="$1" base="$2" rate="${3:-0}"
  ${DRIVER_CPUS:+taskset -c "$DRIVER_CPUS"} "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx256m -cp "$CLASSPATH" \
    dev.agentplane.loadtest.LoadDriver --url "$base$BENCH_PATH" --token "$TOKEN" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --rate "$rate" --label "$label"
}

echo "GET $BENCH_PATH, $CONNECTIONS connections, ${WARMUP}s warm-up, ${DURATION}s measured, $ROUNDS rounds${RATE:+, open loop at $RATE req/s}"
for round in $(seq 1 "$WARM_ROUNDS"); do
  for side in direct gateway; do
    if [ "$side" = direct ]; then base="$DIRECT"; else base="$GATEWAY"; fi
    run "warm-$side-$round" "$base" 0 | grep '^RESULT' | sed 's/^RESULT/warm-up (not counted):/'
  done
done
RESULTS=""
for round in $(seq 1 "$ROUNDS"); do
  for phase in "closed 0" ${RATE:+"open $RATE"}; do
    set -- $phase
    for side in direct gateway; do
      if [ "$side" = direct ]; then base="$DIRECT"; else base="$GATEWAY"; fi
      out=$(run "$side-$1-$round" "$base" "$2")
      echo "$out"
      RESULTS="$RESULTS$(echo "$out" | grep '^RESULT')"$'\n'
    done
  done
done

# Medians over the rounds: throughput each way and their ratio (closed loop), p50/p99 each way
# and what the gateway adds (closed loop, and open loop at --rate).
echo "$RESULTS" | awk '
  /^RESULT/ {
    split($2, name, "-"); side = name[1]; loop = name[2]; round = name[3]
    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[side, loop, round, kv[1]] = kv[2] }
    rounds[round] = 1; loops[loop] = 1
  }
  function median(values, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  END {
    for (loop in loops) {
      split("", ratio); split("", d50); split("", g50); split("", add50); split("", add99); split("", drps); split("", grps); n = 0
      for (r in rounds) {
        if (!(("direct", loop, r, "rps") in v)) continue
        n++
        drps[n] = v["direct", loop, r, "rps"]; grps[n] = v["gateway", loop, r, "rps"]
        ratio[n] = grps[n] / drps[n]
        d50[n] = v["direct", loop, r, "p50"]; g50[n] = v["gateway", loop, r, "p50"]
        add50[n] = g50[n] - d50[n]; add99[n] = v["gateway", loop, r, "p99"] - v["direct", loop, r, "p99"]
      }
      printf "%s loop, median of %d rounds: direct %.0f req/s p50 %.3f ms | gateway %.0f req/s p50 %.3f ms\n", loop, n, median(drps, n), median(d50, n), median(grps, n), median(g50, n)
      if (loop == "closed") printf "  gateway/direct throughput: %.3f (costs %.1f%% of direct req/s; target <= 15%%)\n", median(ratio, n), 100 * (1 - median(ratio, n))
      printf "  added latency: p50 %+.3f ms (target <= 1 ms), p99 %+.3f ms\n", median(add50, n), median(add99, n)
    }
  }'
