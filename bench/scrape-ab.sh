#!/usr/bin/env bash
# What being scraped costs, on one build: alternates `bench:peers --only=apogee` without a scraper and
# with bench/scrape-metrics.mjs scraping every running server's /metrics every INTERVAL ms. One JSON
# per run in OUT (noscrape-N.json, scrape-N.json, scr-N.json the scraper's count, cpu-SIDE-N.json the
# server processes' CPU seconds); compare with
#   node bench/compare-runs.mjs --a=noscrape --b=scrape OUT/noscrape-*.json -- OUT/scrape-*.json
#   npm run build && bash bench/scrape-ab.sh bench/results/scrape-ab 1000 3
set -euo pipefail
OUT=$(realpath -m "${1:-bench/results/scrape-ab}")
INTERVAL=${2:-1000}
PAIRS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
cd "$ROOT"
for i in $(seq 1 "$PAIRS"); do
  for side in noscrape scrape; do
    scraper=
    if [[ $side == scrape ]]; then
      node bench/scrape-metrics.mjs --interval-ms="$INTERVAL" > "$OUT/scr-$i.json" &
      scraper=$!
    fi
    node bench/server-cpu.mjs --cmd='^apogee.js start$' > "$OUT/cpu-$side-$i.json" &
    cpu=$!
    node dist/bench/peers-bench.js --only=apogee --reps=1 --out="$OUT/$side-$i.json" > "$OUT/$side-$i.log" 2>&1
    kill -TERM "$cpu"; wait "$cpu" || true
    if [[ -n $scraper ]]; then kill -TERM "$scraper"; wait "$scraper" || true; fi
    echo "$side $i done"
  done
done
