#!/usr/bin/env bash
# Two waflow binaries under the `inbound` benchmark, interleaved in one run (A, B, A, B…), on
# SQLite and, with --postgres, on PostgreSQL too (a fresh database per run, from scripts/pg-up):
# this machine's speed drifts over the day, so only figures of one run are compared. Prints each
# run's figures and the median ratio B / A per database.
#
#   bench/ab-inbound.sh BEFORE_BIN AFTER_BIN [--rounds N] [--messages N] [--postgres]
#
# A binary of an earlier commit: git worktree add /tmp/before <commit> &&
#   (cd /tmp/before && cargo build --release -p waflow --bin waflow)  → /tmp/before/target/release/waflow
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN [--rounds N] [--messages N] [--postgres]" >&2; exit 2; }
A="$1"; B="$2"; shift 2
ROUNDS=3; MESSAGES=20000; POSTGRES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --postgres) POSTGRES=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "error: no binary at $bin" >&2; exit 1; }; done
cargo build --release -p waflow-bench --bin inbound 2>/dev/null
if [ -n "$POSTGRES" ]; then PG=$(./scripts/pg-up); BASE=${PG%/*}; fi
rate() { grep -E 'throughput:' | grep -oE '[0-9]+ messages' | grep -oE '^[0-9]+'; }
declare -A results
one() { # label binary [database]
  local out
  out=$(./target/release/inbound --messages "$MESSAGES" --rate-seconds 5 --binary "$2" ${3:+--database "$3"})
  echo "== $1"; echo "$out"
  results[$1]+="$(echo "$out" | rate) "
}
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    one "sqlite-$side" "$bin"
    if [ -n "$POSTGRES" ]; then
      db="waflow_ab_$(date +%s)_${r}_${side,,}"
      psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
      one "postgres-$side" "$bin" "$BASE/$db"
      psql "$PG" -qc "DROP DATABASE $db" >/dev/null || true
    fi
  done
done
python3 - "${results[sqlite-A]}" "${results[sqlite-B]}" "${results[postgres-A]:-}" "${results[postgres-B]:-}" <<'PY'
import statistics, sys
def show(name, a, b):
    a = [float(x) for x in a.split()]; b = [float(x) for x in b.split()]
    if not a or not b:
        return
    print(f"{name}: A msg/s {a} median {statistics.median(a):.0f}; B msg/s {b} median {statistics.median(b):.0f}; "
          f"B / A = {statistics.median(b) / statistics.median(a):.2f}")
show("sqlite", sys.argv[1], sys.argv[2])
show("postgres", sys.argv[3], sys.argv[4])
PY
