#!/usr/bin/env bash
# The benchmark suite: every scenario in one run on one stack (embedded PostgreSQL flushing every
# commit, a Kafka broker, the four services as child JVMs, Flowable as the peer engine), then the
# results table at the top of docs/benchmarks.md and the raw JSON in docs/benchmarks/.
# What each scenario measures and how: infra/bench/README.md.
#
# Usage: infra/scripts/bench.sh [--only limits,steps,peer,gateway,roundtrip,sse,intake,noisy,paused]
#                               [--quick] [--no-write] [--without-rls]
#   --quick       every window a tenth as long: a smoke run; nothing is written
#   --no-write    print the figures only
#   --without-rls the services log in as the schema owner (a superuser, exempt from row-level
#                 security) instead of their application and jobs roles: what the policies cost
#                 (each transaction still binds its tenant); nothing is written
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1

# The bench module exists only in the bench profile; -am builds the services it starts, and every
# module records target/runtime-classpath.txt, from which the child JVMs start.
(cd "$ROOT" && ./mvnw -B -q ${AGENTPLANE_MAVEN_OFFLINE:+-o} -Pbench -pl infra/bench -am package \
  -DskipTests -Dspotless.check.skip=true)

# Commit rates mean nothing without fsync; commit timestamps date each step's commit.
export AGENTPLANE_TEST_PG_SETTINGS="${AGENTPLANE_TEST_PG_SETTINGS:-fsync=on,synchronous_commit=on,track_commit_timestamp=on}"
# The services inherit it: INFO lines per request would measure the logger.
export AGENTPLANE_LOG_LEVEL="${AGENTPLANE_LOG_LEVEL:-WARN}"

cd "$ROOT"
exec "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms512m -Xmx2g ${AGENTPLANE_BENCH_JAVA_OPTS:-} \
  -cp "infra/bench/target/classes:$(cat infra/bench/target/runtime-classpath.txt)" \
  dev.agentplane.bench.BenchSuite "$@"
