#!/usr/bin/env bash
# Durable human-in-the-loop: decision recorded → tool invoked (p50/p99), the execution service's
# heap after GC with many runs waiting for approval and the time to resume one of them, and the
# time from kill -9 of an instance to the run resumed by another with the default lease. Every
# service is a child JVM (execution under test, approval, registry) on the testkit's embedded
# PostgreSQL and Kafka (no running stack needed).
# Method and recorded figures: docs/benchmarks.md § Durable approvals.
#
# Usage: infra/scripts/bench-approvals.sh [--samples 200] [--waiting 10000] [--kills 3]
set -euo pipefail
AGENTPLANE_BENCH_MAIN=dev.agentplane.execution.bench.ApprovalWaitBench \
  exec "$(dirname "${BASH_SOURCE[0]}")/bench-execution.sh" "$@"
