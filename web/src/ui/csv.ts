// Reading a CSV file's header row in the browser (for the import's column mapping), and the
// mapping target each header is guessed to be, the way the server recognises headers by name.

/** The fields of the first record of CSV text (quotes, doubled quotes and quoted newlines handled). */
export function firstRecord(text: string): string[] {
  const s = text.replace(/^\uFEFF/, "");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      break;
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** The header row of a CSV file, read from its first 64 KiB. */
export async function readHeader(file: Blob): Promise<string[]> {
  const text = await file.slice(0, 64 * 1024).text();
  const headers = firstRecord(text);
  return headers.length === 1 && headers[0] === "" ? [] : headers;
}

/** Where an imported column goes: a contact attribute, a typed custom field, or nowhere. */
export type ColumnTarget = "phone" | "name" | "tags" | "lists" | "field:text" | "field:number" | "field:date" | "field:bool" | "ignore";

export const COLUMN_TARGETS: ColumnTarget[] = ["phone", "name", "tags", "lists", "field:text", "field:number", "field:date", "field:bool", "ignore"];

const PHONE = ["phone", "telefono", "téléphone", "telephone", "teléfono", "mobile", "cellulare", "cell", "tel", "whatsapp", "numero", "número", "phone number"];
const NAME = ["name", "nome", "nom", "nombre", "full name", "nome completo", "nom complet", "nombre completo"];

/** The target a header is guessed to be, by its name (in it, fr, es or en). */
export function guessTarget(header: string): ColumnTarget {
  const h = header.trim().toLowerCase();
  if (PHONE.includes(h)) return "phone";
  if (NAME.includes(h)) return "name";
  if (["tags", "tag", "etichette", "étiquettes", "etiquetas"].includes(h)) return "tags";
  if (["lists", "list", "liste", "listes", "listas"].includes(h)) return "lists";
  if (h === "") return "ignore";
  return "field:text";
}

/** A custom field's name from a header: `Città di nascita` → `città_di_nascita`. */
export function fieldName(header: string): string {
  return header.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "_").replace(/^_+|_+$/g, "") || "field";
}

/** The mapping the server takes: header → `phone` | ... | `field:<name>:<type>` | `ignore`. */
export function mappingFor(headers: string[], targets: Record<string, ColumnTarget>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const target = targets[h] ?? guessTarget(h);
    out[h] = target.startsWith("field:") ? `field:${fieldName(h)}:${target.slice(6)}` : target;
  }
  return out;
}
