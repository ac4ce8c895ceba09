#!/usr/bin/env bash
# Server-side capacity with a light HTTP client: wrk injects inbound messages into a real
# `waflow serve` with the same 100 active workflows as `inbound` (90 keyword, 10 not indexable).
# Needs wrk (Debian: apt-get install wrk). Usage: bench/wrk-inbound.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-15}
CONNECTIONS=${2:-64}
BIN=target/release/waflow
[ -x "$BIN" ] || cargo build --release -p waflow
DIR=$(mktemp -d)
PORT=$((20000 + RANDOM % 10000))
TOKEN=$($BIN token create --data-dir "$DIR")
$BIN serve --listen 127.0.0.1:$PORT --data-dir "$DIR" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID; rm -rf "$DIR"' EXIT
sleep 0.5
API=http://127.0.0.1:$PORT/api/v1
H="Authorization: Bearer $TOKEN"
NUMBER=$(curl -s -H "$H" $API/numbers | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
for n in $(seq 0 99); do
  if [ $n -lt 90 ]; then
    doc="{\"name\":\"Keyword $n\",\"priority\":$n,\"trigger\":{\"type\":\"message_received\"},\"conditions\":{\"all\":[{\"type\":\"text\",\"op\":\"contains\",\"values\":[\"kw${n}x\",\"alias$n\"]},{\"not\":{\"type\":\"tags\",\"tags\":[\"blocked-topic\"]}}]},\"steps\":[{\"type\":\"send_text\",\"text\":\"Ciao {{contact.first_name}}, ecco le info su $n\"}]}"
  else
    doc="{\"name\":\"Media $n\",\"priority\":$n,\"trigger\":{\"type\":\"message_received\"},\"conditions\":{\"any\":[{\"type\":\"message_type\",\"types\":[\"image\",\"document\"]},{\"type\":\"tags\",\"tags\":[\"vip$n\"]}]},\"steps\":[{\"type\":\"send_text\",\"text\":\"media\"},{\"type\":\"add_tag\",\"tag\":\"media\",\"when\":\"1h\"}]}"
  fi
  curl -sf -o /dev/null -H "$H" -H 'content-type: application/json' $API/workflows -d "$doc"
done
SCRIPT=$(mktemp)
cat > "$SCRIPT" <<LUA
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
counter = 0
request = function()
  counter = counter + 1
  local body = '{"from":"+39333' .. string.format("%07d", (counter * 2 + tid) % 1000) .. '","text":"ciao, vorrei informazioni su kw' .. (counter % 90) .. 'x per favore","message_id":"' .. tid .. '-' .. counter .. '"}'
  return wrk.format("POST", nil, {["Authorization"]="Bearer $TOKEN", ["Content-Type"]="application/json"}, body)
end
LUA
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s "$SCRIPT" "$API/numbers/$NUMBER/sandbox/inbound"
rm -f "$SCRIPT"
echo "outbox size: $(curl -s -H "$H" "$API/logs?outcome=matched&limit=1" >/dev/null; python3 - "$DIR/waflow.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(c.execute("select count(*) from messages where direction='outbound'").fetchone()[0], "replies for",
      c.execute("select count(*) from messages where direction='inbound'").fetchone()[0], "inbound messages")
PY
)"
