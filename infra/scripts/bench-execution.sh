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
# Builds the registry (started as a child process from its build output) and compiles this
# service's test sources (where the harness lives), recording the test classpath in the same
# reactor run so the platform's own modules come from their target/classes; nothing is installed.
(cd "$ROOT" && ./mvnw -B -q ${AGENTPLANE_MAVEN_OFFLINE:+-o} -pl registry-service,execution-service -am \
  package -DskipTests -Dspotless.check.skip=true && \
  ./mvnw -B -q ${AGENTPLANE_MAVEN_OFFLINE:+-o} -pl execution-service \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CLASSPATH_FILE")

cd "$MODULE"
AGENTPLANE_LOG_LEVEL="${AGENTPLANE_LOG_LEVEL:-WARN}" "$JAVA_HOME/bin/java" -XX:+UseParallelGC ${AGENTPLANE_BENCH_JAVA_OPTS:-} \
  -Xms512m -Xmx1g \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CLASSPATH_FILE")" \
  dev.agentplane.execution.bench.RunThroughputBench "$@"
