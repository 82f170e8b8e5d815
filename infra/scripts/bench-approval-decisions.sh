#!/usr/bin/env bash
# Approval decision latency: from an approver's deciding POST /v1/approvals/{id}/decisions until
# its ApprovalDecided is readable on agentplane.approvals.decided, with N approvers deciding at
# once. Starts the approval service in-process on the testkit's embedded PostgreSQL and Kafka
# (no running stack needed) and drives it over real HTTP and a real Kafka consumer.
# Method and recorded figures: docs/benchmarks.md § Approval decisions.
#
# Usage: infra/scripts/bench-approval-decisions.sh [--approvers 16] [--warmup 10] [--duration 30]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
APPROVERS=16 WARMUP=10 DURATION=30
while [ $# -gt 0 ]; do
  case "$1" in
    --approvers) APPROVERS="$2" ;;
    --warmup) WARMUP="$2" ;;
    --duration) DURATION="$2" ;;
    *) echo "Unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done

# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1

MODULE="$ROOT/approval-service"
CLASSPATH_FILE="$MODULE/target/bench-classpath.txt"
# Compiles the service and its test sources (where the harness lives) and records the test
# classpath in the same reactor run, so the platform's own modules come from their target/classes
# (never from a stale ~/.m2 copy); nothing is installed.
(cd "$ROOT" && ./mvnw -B -q ${AGENTPLANE_MAVEN_OFFLINE:+-o} -pl approval-service -am \
  test-compile dependency:build-classpath -Dspotless.check.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile="$CLASSPATH_FILE")

echo "Approval decisions: $APPROVERS approvers, ${WARMUP}s warm-up, ${DURATION}s measured"
AGENTPLANE_LOG_LEVEL="${AGENTPLANE_LOG_LEVEL:-WARN}" "$JAVA_HOME/bin/java" -XX:+UseParallelGC \
  -Xms512m -Xmx1g \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CLASSPATH_FILE")" \
  dev.agentplane.approval.bench.DecisionLatencyBench \
  --approvers "$APPROVERS" --warmup "$WARMUP" --duration "$DURATION"
