#!/usr/bin/env bash
# Where waflow's CPU goes per inbound message: the release binary under `perf record` while wrk
# sends the peers workload (inbound.lua: 4 rotating senders, a "price OR prezzo" workflow) to the
# sandbox inbound route at 16 connections for DURATION seconds (default 15). Prints the CPU time
# by thread (tokio workers, the SQLite writer...) and the hottest symbols, and the messages
# stored, so a share of CPU can be read as a cost per message. Needs `perf` (linux-perf) and wrk.
#
#   cargo build --release -p waflow --bin waflow && bench/peers/profile.sh
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
"$WAFLOW_BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --durability full >"$WORK/waflow.log" 2>&1 &
WF_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN="$("$WAFLOW_BIN" token create --data-dir "$WORK/data" | grep -o 'wf[a-z]*_[0-9a-f]*' | head -1)"
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
perf report -i "$WORK/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -12
echo
echo "== hottest symbols (self time) =="
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^\s+[0-9.]+%' | sed -E 's/ {2,}-.*//' | cut -c1-110 | head -40
