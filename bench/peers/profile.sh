#!/usr/bin/env bash
# Where waflow's CPU goes per inbound message: the release binary under `perf record` while wrk
# sends the peers workload (inbound.lua: 4 rotating senders, a "price OR prezzo" workflow) to the
# sandbox inbound route at 16 connections for DURATION seconds (default 15). Prints the CPU time
# by thread (tokio workers, the SQLite writer...) and the hottest symbols, and the messages
# stored, so a share of CPU can be read as a cost per message; then, in a second wrk phase of the
# same length without the profiler, the cost per message: CPU (waflow's, and PostgreSQL's when
# on it), system calls (futex = a hand-over between threads, pwrite64 = a page written, fsync = a
# commit or a checkpoint), context switches. Needs `perf` (linux-perf) and wrk.
#
#   cargo build --release -p waflow --bin waflow && bench/peers/profile.sh
#   WAFLOW_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db> bench/peers/profile.sh
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
ROOT="$(cd ../.. && pwd)"
DURATION="${DURATION:-15}"
WAFLOW_BIN="${WAFLOW_BIN:-$ROOT/target/release/waflow}"
command -v perf >/dev/null || { echo "error: perf is needed (Debian: linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "error: wrk is needed (Debian: wrk)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/waflow-profile.XXXXXX)"
trap 'kill $WF_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$WAFLOW_BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --durability full \
  ${WAFLOW_DATABASE_URL:+--database "$WAFLOW_DATABASE_URL"} >"$WORK/waflow.log" 2>&1 &
WF_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN="$("$WAFLOW_BIN" token create --data-dir "$WORK/data" ${WAFLOW_DATABASE_URL:+--database "$WAFLOW_DATABASE_URL"} | grep -o 'wf[a-z]*_[0-9a-f]*' | head -1)"
API="http://127.0.0.1:$PORT/api/v1"
SANDBOX="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/numbers" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data[0].id))')"
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$API/workflows" -d '{
  "name": "Price", "trigger": {"type": "message_received"},
  "conditions": {"all": [{"type": "text", "op": "contains", "values": ["price", "prezzo"]}]},
  "steps": [{"id": "reply", "type": "send_text", "text": "Il prezzo è 10 euro"}]}'
URL="$API/numbers/$SANDBOX/sandbox/inbound"
perf record -F 499 -g -p "$WF_PID" -o "$WORK/perf.data" -- sleep "$((DURATION + 1))" >/dev/null 2>&1 &
PERF_PID=$!
sleep 0.5
TOKEN="$TOKEN" wrk -t2 -c16 -d"${DURATION}s" -s "$HERE/inbound.lua" "$URL" | awk '/Requests\/sec|requests in/'
wait "$PERF_PID" || true
stored="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/stats?days=7" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).days.reduce((n,d)=>n+d.messages_in,0)))')"
echo "messages stored: $stored"
echo
echo "== CPU samples by thread =="
perf report -i "$WORK/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -12 || true
echo
echo "== hottest symbols (self time) =="
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^\s+[0-9.]+%' | sed -E 's/ {2,}-.*//' | cut -c1-110 | head -40 || true

echo
echo "== cost per message (a second ${DURATION} s phase, no profiler) =="
EVENTS=syscalls:sys_enter_futex,syscalls:sys_enter_pwrite64,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_getrandom,context-switches
cpu_of() { awk '{s += $14 + $15} END {print s}' "$@" 2>/dev/null || echo 0; }
pg_stats() { ls /proc/[0-9]*/comm 2>/dev/null | while read -r c; do [ "$(cat "$c" 2>/dev/null)" = postgres ] && echo "${c%/comm}/stat"; done; }
before="$stored"
wf0="$(cpu_of "/proc/$WF_PID/stat")"; pg0="$(cpu_of $(pg_stats))"
perf stat -e "$EVENTS" -p "$WF_PID" -o "$WORK/stat.txt" -- sleep "$((DURATION + 1))" >/dev/null 2>&1 &
STAT_PID=$!
sleep 0.5
TOKEN="$TOKEN" wrk -t2 -c16 -d"${DURATION}s" -s "$HERE/inbound.lua" "$URL" | awk '/Requests\/sec/'
wait "$STAT_PID" || true
wf1="$(cpu_of "/proc/$WF_PID/stat")"; pg1="$(cpu_of $(pg_stats))"
after="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/stats?days=7" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).days.reduce((n,d)=>n+d.messages_in,0)))')"
n=$((after - before))
echo "messages: $n"
TICKS="$(getconf CLK_TCK)"
awk -v n="$n" -v w="$((wf1 - wf0))" -v p="$((pg1 - pg0))" -v t="$TICKS" -v pg="${WAFLOW_DATABASE_URL:-}" 'BEGIN {
  printf "CPU per message: waflow %.3f ms", w / t * 1000 / n; if (pg != "") printf ", PostgreSQL %.3f ms", p / t * 1000 / n; printf "\n" }'
awk -v n="$n" '$2 ~ /^(syscalls:|context-switches)/ {gsub(/,/, "", $1); printf "%-32s %7.2f per message\n", $2, $1 / n}' "$WORK/stat.txt"
