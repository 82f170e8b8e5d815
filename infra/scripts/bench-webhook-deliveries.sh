#!/usr/bin/env bash
# Webhook deliveries per second to a loopback receiver: starts the approval service in-process on
# the testkit's embedded PostgreSQL and Kafka, queues a backlog of notices for N subscriptions,
# and times the dispatcher draining it (sign, POST, 204, settle).
# Method and recorded figures: docs/benchmarks.md § Webhook deliveries.
#
# Usage: infra/scripts/bench-webhook-deliveries.sh [--notices 2500] [--subscriptions 4]
#          [--concurrency 16] [--warmup-notices 500]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1

MODULE="$ROOT/approval-service"
# Compiles the modules from this tree (never whatever snapshot sits in ~/.m2) and records the test
# classpath, in which the reactor's own modules appear as their target/classes directories.
(cd "$ROOT" && ./mvnw -B -q -o -pl approval-service -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt \
  -Dspotless.check.skip=true)

AGENTPLANE_LOG_LEVEL="${AGENTPLANE_LOG_LEVEL:-WARN}" "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms512m -Xmx1g \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$MODULE/target/bench-classpath.txt")" \
  dev.agentplane.approval.webhook.WebhookDeliveryBenchmark "$@"
