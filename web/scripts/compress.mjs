// Precompresses the built dashboard: next to each text file in dist/ (JavaScript, CSS, HTML, SVG,
// JSON), a brotli (.br, quality 11) and a gzip (.gz, level 9) copy. The server sends the one the
// browser accepts (crates/server/src/dashboard.rs). Deterministic: the same input gives the same
// bytes (gzip's header carries no time), so web/dist stays the build of web/src.

import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const DIST = new URL("../dist/", import.meta.url).pathname;
const TEXT = new Set([".js", ".css", ".html", ".svg", ".json"]);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let raw = 0;
let br = 0;
for (const path of walk(DIST)) {
  if (!TEXT.has(extname(path))) continue;
  const data = readFileSync(path);
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(`${path}.br`, brotli);
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  raw += data.length;
  br += brotli.length;
}
console.log(`precompressed dist/: ${(raw / 1024).toFixed(0)} KB → ${(br / 1024).toFixed(0)} KB brotli`);
