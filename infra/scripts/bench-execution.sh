#!/usr/bin/env bash
# Run throughput: runs/s, checkpoint commits/s and run latency with the builtin scripted model and
# one builtin tool call per run, beside a raw JDBC insert loop of same-sized rows on the same
# PostgreSQL in the same run. Starts the execution service in-process and the real registry as a
# child process on the testkit's embedded PostgreSQL and Kafka (no running stack needed).
# Method and recorded figures: docs/benchmarks.md § Execution runs.
#
# Usage: infra/scripts/bench-execution.sh [--warmup 15] [--duration 60] [--in-flight 128]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1

MODULE="$ROOT/execution-service"
CLASSPATH_FILE="$MODULE/target/bench-classpath.txt"
# AGENTPLANE_BENCH_MAIN picks another harness of the module (bench-approvals.sh does).
# Builds the registry and the approval service (started as child processes from their build output) and compiles this
# service's test sources (where the harness lives), recording each module's test classpath in the
# same reactor run (relative output files land in each module's target/), so the platform's own
# modules come from their target/classes and nothing needs installing.
(cd "$ROOT" && ./mvnw -B -q ${AGENTPLANE_MAVEN_OFFLINE:+-o} -pl registry-service,approval-service,execution-service -am \
  package dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt)

# Commit rates mean nothing without fsync: the embedded server flushes every commit here, as a
# production one does (the test suite runs it without).
export AGENTPLANE_TEST_PG_SETTINGS="${AGENTPLANE_TEST_PG_SETTINGS:-fsync=on,synchronous_commit=on}"

cd "$MODULE"
AGENTPLANE_LOG_LEVEL="${AGENTPLANE_LOG_LEVEL:-WARN}" "$JAVA_HOME/bin/java" -XX:+UseParallelGC ${AGENTPLANE_BENCH_JAVA_OPTS:-} \
  -Xms512m -Xmx1g \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CLASSPATH_FILE")" \
  "${AGENTPLANE_BENCH_MAIN:-dev.agentplane.execution.bench.RunThroughputBench}" "$@"
