// A number's status and the server's reason for it, in the reader's words. The server words
// its reasons in English for the logs ("cannot reach WhatsApp: …", "…; until <RFC 3339>"); the
// known ones become a sentence in the dashboard's language, the rest are shown as written.

import type { TranslationKey } from "../app/i18n";
import { t } from "../app/words/numbers";
import { formatInstant } from "../ui/format";
import type { Tone } from "../ui/widgets";

const STATUS: Record<string, { tone: Tone; key: TranslationKey }> = {
  connected: { tone: "ok", key: "numbers.status.connected" },
  disconnected: { tone: "warn", key: "numbers.status.disconnected" },
  pairing: { tone: "info", key: "numbers.status.pairing" },
  logged_out: { tone: "bad", key: "numbers.status.logged_out" },
  banned: { tone: "bad", key: "numbers.status.banned" },
};

/** The status as a badge's tone and words. */
export function statusInWords(status: string): { tone: Tone; label: string } {
  const known = STATUS[status];
  return known ? { tone: known.tone, label: t(known.key) } : { tone: "muted", label: status.replace(/_/g, " ") };
}

/** Known reasons, by how the server's sentence starts (or what it contains). */
const REASONS: Array<[RegExp, TranslationKey]> = [
  [/^cannot reach WhatsApp/i, "numbers.reason.unreachable"],
  [/^the session could not start/i, "numbers.reason.notStarted"],
  [/^pairing failed/i, "numbers.reason.pairFailed"],
  [/QR code expired/i, "numbers.reason.qrExpired"],
  [/^connection closed/i, "numbers.reason.closed"],
  [/another client took over/i, "numbers.reason.replaced"],
  [/^logged out by WhatsApp/i, "numbers.reason.loggedOut"],
  [/WhatsApp refused the connection/i, "numbers.reason.refused"],
  [/outdated/i, "numbers.reason.outdated"],
  [/^no data from WhatsApp/i, "numbers.reason.silent"],
  [/^unlinked from waflow/i, "numbers.reason.unlinked"],
];

/** The reason in words, and the server's own sentence as a detail when it was reworded. */
export function reasonInWords(status: string, reason: string | null | undefined): { text: string; detail: string | null } | null {
  if (!reason) return null;
  const until = /;\s*until\s+(\S+)$/.exec(reason);
  const base = until ? reason.slice(0, until.index) : reason;
  if (status === "banned" && until?.[1]) return { text: t("numbers.reason.bannedUntil", { time: formatInstant(until[1]) }), detail: base };
  for (const [pattern, key] of REASONS) {
    if (pattern.test(base)) return { text: t(key), detail: base };
  }
  const sentence = base.charAt(0).toUpperCase() + base.slice(1);
  return { text: until?.[1] ? `${sentence} (${formatInstant(until[1])})` : sentence, detail: null };
}
