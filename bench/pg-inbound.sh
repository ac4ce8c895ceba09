#!/usr/bin/env bash
# The `inbound` benchmark on SQLite and on PostgreSQL, interleaved in one run (A/B/A/B…), each
# PostgreSQL run on a fresh database; prints each run's figures and the median ratio.
# Usage: bench/pg-inbound.sh [rounds] [messages]   (PostgreSQL from scripts/pg-up)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
MESSAGES=${2:-20000}
cargo build --release -p waflow --bin waflow -p waflow-bench --bin inbound >/dev/null
PG=$(./scripts/pg-up)
BASE=${PG%/*}
RUN=(./target/release/inbound --messages "$MESSAGES" --rate-seconds 5 --binary target/release/waflow)
sqlite=(); postgres=()
rate() { grep -E 'throughput:' | grep -oE '[0-9]+ messages' | grep -oE '^[0-9]+'; }
for r in $(seq 1 "$ROUNDS"); do
  out=$("${RUN[@]}"); echo "$out"; sqlite+=("$(echo "$out" | rate)")
  db="waflow_bench_$(date +%s)_$r"
  psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
  out=$("${RUN[@]}" --database "$BASE/$db"); echo "$out"; postgres+=("$(echo "$out" | rate)")
  psql "$PG" -qc "DROP DATABASE $db" >/dev/null || true
done
python3 - "${sqlite[*]}" "${postgres[*]}" <<'PY'
import statistics, sys
s = [float(x) for x in sys.argv[1].split()]
p = [float(x) for x in sys.argv[2].split()]
print(f"sqlite   msg/s: {s}  median {statistics.median(s):.0f}")
print(f"postgres msg/s: {p}  median {statistics.median(p):.0f}")
print(f"postgres / sqlite: {statistics.median(p) / statistics.median(s):.2f}")
PY
