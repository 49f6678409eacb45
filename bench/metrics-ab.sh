#!/usr/bin/env bash
# Metrics overhead, before/after side by side in one run: alternates `bench:peers --only=apogee`
# between a build without the metrics endpoint (BEFORE, a worktree of an older commit, built) and this
# tree (metrics on by default), while bench/scrape-metrics.mjs scrapes every running server's /metrics
# at the given interval (or "none"), as Prometheus would. Results go to OUT: one JSON per run, the
# scraper's, and the server processes' CPU seconds per run (cpu-*.json; node bench/cpu-compare.mjs OUT).
#   git worktree add /tmp/before b2ef12e && (cd /tmp/before && npm ci && npm run build)
#   npm run build && bash bench/metrics-ab.sh /tmp/before 1000 bench/results/metrics-ab
set -euo pipefail
BEFORE=${1:?usage: metrics-ab.sh BEFORE_TREE [SCRAPE_INTERVAL_MS] [OUT_DIR] [PAIRS]}
INTERVAL=${2:-1000}
OUT=$(realpath -m "${3:-bench/results/metrics-ab}")
PAIRS=${4:-3}
AFTER=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
# INTERVAL "none": the endpoints are on and nobody scrapes them.
SCRAPER=
if [[ $INTERVAL != none ]]; then
  node "$AFTER/bench/scrape-metrics.mjs" --interval-ms="$INTERVAL" > "$OUT/scrape-$INTERVAL.json" &
  SCRAPER=$!
fi
trap '[[ -n $SCRAPER ]] && kill -TERM $SCRAPER 2>/dev/null || true' EXIT
for i in $(seq 1 "$PAIRS"); do
  # ABBA order, so a drift of the machine during the run weighs on both sides alike.
  if (( i % 2 )); then order="before after"; else order="after before"; fi
  for side in $order; do
    dir=$BEFORE; [[ $side == after ]] && dir=$AFTER
    # The server processes' CPU time over the run (a fixed workload): ASYNC_FLUSH's server, then SYNC_FLUSH's.
    node "$AFTER/bench/server-cpu.mjs" --cmd='^apogee.js start$' > "$OUT/cpu-$side$i.json" &
    CPU=$!
    (cd "$dir" && node dist/bench/peers-bench.js --only=apogee --reps=1 --out="$OUT/peers-$side$i.json" > "$OUT/peers-$side$i.log" 2>&1)
    kill -TERM $CPU; wait $CPU || true
    echo "$side $i done"
  done
done
