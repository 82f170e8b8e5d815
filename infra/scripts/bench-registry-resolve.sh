#!/usr/bin/env bash
# Registry resolution under load: GET /v1/agents/{id}/resolved (production mode) from N closed-loop
# clients (infra/loadtest), against a registry that `./agentplane up` started. Seeds a fresh
# tenant with three active tools and an active agent using them, then measures.
# Method and recorded figures: docs/benchmarks.md § Registry resolution.
#
# Usage: infra/scripts/bench-registry-resolve.sh [--registry http://127.0.0.1:8081]
#          [--connections 32] [--warmup 10] [--duration 30]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
REGISTRY="http://127.0.0.1:8081" CONNECTIONS=32 WARMUP=10 DURATION=30
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) REGISTRY="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --warmup) WARMUP="$2" ;;
    --duration) DURATION="$2" ;;
    *) echo "Unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done

# shellcheck source=infra/scripts/require-jdk.sh
. "$ROOT/infra/scripts/require-jdk.sh"
agentplane_require_jdk || exit 1
command -v curl >/dev/null || { echo "curl is needed to seed the registry" >&2; exit 1; }

TENANT="bench-$(date +%s)"
BUILDER=$("$ROOT/agentplane" token --tenant "$TENANT" --subject bench --roles builder)
SERVICE=$("$ROOT/agentplane" token --tenant "$TENANT" --subject execution-service --roles internal --ptype service)

call() { # method path body -> prints the JSON body, fails on a non-2xx status
  curl -sS --fail-with-body -X "$1" "$REGISTRY$2" -H "Authorization: Bearer $BUILDER" \
    -H 'Content-Type: application/json' ${3:+--data "$3"}
}
json_field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }

TOOL='{"description":"Echoes its input","type":"builtin","builtin":{"name":"echo"},"inputSchema":{"type":"object","properties":{"text":{"type":"string"}}},"risk":"low","approval":"never"}'
for name in echo search summarize; do
  id=$(call POST /v1/tools "{\"name\":\"$name\",\"spec\":$TOOL}" | json_field resourceId)
  call POST "/v1/tools/$id/versions/1:promote" >/dev/null
done
AGENT='{"description":"Bench agent","kind":"assistant","model":{"provider":"builtin","name":"echo"},"instructions":"Be brief.","tools":[{"name":"echo","version":"active"},{"name":"search","version":1},{"name":"summarize","version":"active"}]}'
AGENT_ID=$(call POST /v1/agents "{\"name\":\"bench-agent\",\"spec\":$AGENT}" | json_field resourceId)
call POST "/v1/agents/$AGENT_ID/versions/1:promote" >/dev/null

CLASSES="$ROOT/infra/loadtest/target/classes"
if [ ! -f "$ROOT/infra/loadtest/target/runtime-classpath.txt" ]; then
  (cd "$ROOT" && ./mvnw -B -q -pl infra/loadtest package -DskipTests -Dspotless.check.skip=true)
fi
echo "GET /v1/agents/$AGENT_ID/resolved, $CONNECTIONS connections, ${WARMUP}s warm-up, ${DURATION}s measured"
"$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx256m \
  -cp "$CLASSES:$(cat "$ROOT/infra/loadtest/target/runtime-classpath.txt")" \
  dev.agentplane.loadtest.LoadDriver --url "$REGISTRY/v1/agents/$AGENT_ID/resolved" \
  --token "$SERVICE" --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" \
  --label resolved
