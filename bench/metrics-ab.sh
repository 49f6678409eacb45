#!/usr/bin/env bash
# Metrics overhead, before/after side by side in one run: alternates `bench:peers --only=apogee`
# between a build without the metrics endpoint (BEFORE, a worktree of an older commit, built) and this
# tree (metrics on by default), while bench/scrape-metrics.mjs scrapes every running server's /metrics
# at the given interval, as Prometheus would. Results go to OUT (one JSON per run, and the scraper's).
#   git worktree add /tmp/before b2ef12e && (cd /tmp/before && npm ci && npm run build)
#   npm run build && bash bench/metrics-ab.sh /tmp/before 1000 bench/results/metrics-ab
set -euo pipefail
BEFORE=${1:?usage: metrics-ab.sh BEFORE_TREE [SCRAPE_INTERVAL_MS] [OUT_DIR] [PAIRS]}
INTERVAL=${2:-1000}
OUT=$(realpath -m "${3:-bench/results/metrics-ab}")
PAIRS=${4:-3}
AFTER=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
node "$AFTER/bench/scrape-metrics.mjs" --interval-ms="$INTERVAL" > "$OUT/scrape-$INTERVAL.json" &
SCRAPER=$!
trap 'kill -TERM $SCRAPER 2>/dev/null || true' EXIT
for i in $(seq 1 "$PAIRS"); do
  # ABBA order, so a drift of the machine during the run weighs on both sides alike.
  if (( i % 2 )); then order="before after"; else order="after before"; fi
  for side in $order; do
    dir=$BEFORE; [[ $side == after ]] && dir=$AFTER
    (cd "$dir" && node dist/bench/peers-bench.js --only=apogee --reps=1 --out="$OUT/peers-$side$i.json" > "$OUT/peers-$side$i.log" 2>&1)
    echo "$side $i done"
  done
done
