#!/usr/bin/env bash
# Runs the acceptance suite (infra/acceptance) several times in a row, each time in a new order
# (a fresh seed per run, printed), and stops at the first failure: the suite's determinism check.
# The services must be built (./mvnw -B install -DskipTests, or a full ./mvnw -B verify before).
#
# Usage: infra/scripts/acceptance-repeat.sh [--times 5] [--seed N] (a seed replays one order)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=require-jdk.sh
. infra/scripts/require-jdk.sh
agentplane_require_jdk

times=5
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --times) times="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "Unknown option $1 (use --times N, --seed N)" >&2; exit 2 ;;
  esac
done

for run in $(seq 1 "$times"); do
  order=${seed:-$RANDOM$RANDOM$RANDOM}
  log=$(mktemp -t acceptance-run-XXXX.log)
  started=$(date +%s)
  if ./mvnw -B -o verify -pl infra/acceptance -Dacceptance.order.seed="$order" >"$log" 2>&1; then
    outcome=passed
  else
    outcome=FAILED
  fi
  summary=$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures' "$log" | tail -n 1 || true)
  echo "run $run/$times seed $order: $outcome in $(( $(date +%s) - started )) s ${summary#*] }"
  if [ "$outcome" = FAILED ]; then
    echo "Log: $log (replay with --seed $order)" >&2
    exit 1
  fi
  rm -f "$log"
done
