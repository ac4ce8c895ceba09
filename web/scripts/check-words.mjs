// Fails when two word files (web/src/app/words/*.ts, and the frame's words in i18n.ts) define the
// same key: all areas share one dictionary at run time, so the later file would silently replace
// the other's text. Run by scripts/web-test.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const app = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "app");
/** The keys of a file's English words: the object after `const en` (or `const frameEn`). */
function keysOf(file) {
  const src = readFileSync(file, "utf8");
  const start = src.search(/const (?:frame)?[eE]n\b[^=]*=\s*\{/);
  if (start < 0) return [];
  const end = src.indexOf("\n};", start);
  return [...src.slice(start, end).matchAll(/^\s+"([^"]+)":/gm)].map((m) => m[1]);
}
const owners = new Map();
const files = [join(app, "i18n.ts"), ...readdirSync(join(app, "words")).map((f) => join(app, "words", f))];
for (const file of files) {
  for (const key of keysOf(file)) owners.set(key, [...(owners.get(key) ?? []), file.split("/src/app/")[1]]);
}
const clashes = [...owners].filter(([, where]) => where.length > 1);
for (const [key, where] of clashes) console.error(`word key "${key}" is defined in ${where.join(" and ")}`);
if (clashes.length) process.exit(1);
console.log(`${owners.size} word keys in ${files.length} files, each defined once`);
