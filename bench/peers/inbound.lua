-- wrk: an inbound message JSON from one of 4 rotating senders, half of them asking the price.
-- Environment: TOKEN (a bearer token; empty for Node-RED).
local n = 0
local token = os.getenv("TOKEN") or ""
local texts = { "quanto costa? prezzo", "ciao, siete aperti?", "what is the price?", "grazie" }
request = function()
  n = n + 1
  local i = n % 4
  local body = string.format('{"from":"+39333000000%d","text":"%s"}', i + 1, texts[i + 1])
  local headers = { ["Content-Type"] = "application/json" }
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", nil, headers, body)
end
