// A stand-in for Meta's Graph API, for the browser tests of Cloud API numbers (Check connection,
// templates sync). It answers the few calls those make, like Meta does: a phone number's
// details, a WhatsApp Business Account's message templates, and sent messages. An access token
// of "bad-token" is refused as Meta refuses an expired token. run.mjs starts it (and points the
// binary at it with --graph-url) only when a selected test asks for it (`graph: true`).

import { createServer } from "node:http";

export const GRAPH_TEMPLATES = [
  { name: "order_update", language: "it", category: "UTILITY", status: "APPROVED", components: [{ type: "BODY", text: "Ciao {{1}}, il tuo ordine {{2}} è in viaggio." }] },
  { name: "summer_sale", language: "it", category: "MARKETING", status: "PENDING", components: [{ type: "BODY", text: "Saldi estivi: -20% fino a domenica!" }] },
  { name: "old_offer", language: "en", category: "MARKETING", status: "REJECTED", components: [{ type: "BODY", text: "Last chance!" }] },
];

export const GRAPH_PHONE = { verified_name: "Bottega Rossi", display_phone_number: "+39 02 1234 5678", quality_rating: "GREEN" };

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Starts the stand-in on a free loopback port; `{url, requests, close}`. */
export function startGraphStandIn() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://graph.local");
      const parts = url.pathname.split("/").filter(Boolean); // [version, id, edge?]
      requests.push({ method: req.method, path: url.pathname });
      const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") || url.searchParams.get("access_token") || "";
      if (token === "bad-token" || !token) {
        return send(res, 401, { error: { message: "Error validating access token: Session has expired.", type: "OAuthException", code: 190, fbtrace_id: "standin" } });
      }
      const [, id, edge] = parts;
      if (req.method === "GET" && edge === "message_templates") return send(res, 200, { data: GRAPH_TEMPLATES });
      if (req.method === "POST" && edge === "messages") return send(res, 200, { messaging_product: "whatsapp", contacts: [], messages: [{ id: `wamid.standin${requests.length}` }] });
      if (req.method === "GET" && id && !edge) return send(res, 200, { id, ...GRAPH_PHONE });
      return send(res, 400, { error: { message: `Unsupported request ${req.method} ${url.pathname}`, type: "GraphMethodException", code: 100 } });
    });
  });
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ok({ url: `http://127.0.0.1:${port}`, requests, close: () => server.close() });
    });
  });
}
