// A tiny static server for web/dist with an index.html fallback, proxying /api, /hooks and
// /healthz to a running waflow; used by the tests until the binary serves the dashboard itself.

import { createServer, request } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/** Starts the server on `port` (0: any); resolves to the bound port. */
export function serveDist({ dist, api, port = 0 }) {
  const target = new URL(api);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/hooks/") || url.pathname === "/healthz") {
      const upstream = request(
        { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "bad_gateway", message: "the waflow server did not answer", field: null } }));
      });
      req.pipe(upstream);
      return;
    }
    const file = normalize(join(dist, decodeURIComponent(url.pathname)));
    let path = file.startsWith(dist) ? file : join(dist, "index.html");
    try {
      if (!(await stat(path)).isFile()) path = join(dist, "index.html");
    } catch {
      path = join(dist, "index.html");
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("not found");
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, port: server.address().port })));
}
