// The test chat's answer from `POST /workflows/{id}/test` with a message, and why the draft did
// not take a message, in the reader's words: the failed condition is found in the draft by its
// path (`conditions.all[0]`) and described in the reader's language; the server's own words are
// the fallback.

import { t } from "../app/words/builder";
import { describeCondition, describeTrigger } from "./describe";
import { isGroup, isNot, type Condition, type WorkflowDocument } from "./document";

export interface WhyItem {
  path: string;
  condition?: string;
  passed: boolean;
  value?: unknown;
}

export type TestOutcome =
  | { outcome: "started"; run_id: string; contact_id: string; conversation_id: string; number_id: string }
  | { outcome: "resumed"; run_id: string; contact_id: string; conversation_id: string; number_id: string }
  | { outcome: "not_matched"; why?: WhyItem[]; reason?: string; conversation_id?: string };

/** The condition at `path` (`conditions`, `conditions.all[0].any[1].not`) in the document. */
export function conditionAt(doc: WorkflowDocument, path: string): Condition | null {
  if (!path.startsWith("conditions") || !doc.conditions) return null;
  let node: Condition | undefined = doc.conditions;
  const parts = path.slice("conditions".length).match(/\.(all|any)\[\d+\]|\.not/g) ?? [];
  if (parts.join("") !== path.slice("conditions".length)) return null;
  for (const part of parts) {
    if (!node) return null;
    if (part === ".not") {
      if (!isNot(node)) return null;
      node = node.not;
      continue;
    }
    const m = /^\.(all|any)\[(\d+)\]$/.exec(part);
    if (!m || !isGroup(node)) return null;
    const items: Condition[] | undefined = m[1] === "all" ? (node as { all?: Condition[] }).all : (node as { any?: Condition[] }).any;
    node = items?.[Number(m[2])];
  }
  return node ?? null;
}

function valueText(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One sentence per failed check: which condition (or the trigger) did not hold, and what it saw. */
export function whyInWords(doc: WorkflowDocument, answer: { why?: WhyItem[]; reason?: string }): string[] {
  const failed = (answer.why ?? []).filter((w) => !w.passed);
  const out = failed.map((w) => {
    const value = valueText(w.value);
    if (w.path === "trigger" || w.path.startsWith("trigger.")) {
      const trigger = describeTrigger(doc.trigger);
      return value ? t("chatWhy.trigger", { trigger, value }) : t("chatWhy.triggerNoValue", { trigger });
    }
    const node = conditionAt(doc, w.path);
    const condition = node ? describeCondition(node) : (w.condition ?? w.path);
    return value ? t("chatWhy.condition", { condition, value }) : t("chatWhy.conditionNoValue", { condition });
  });
  if (out.length) return out;
  return [answer.reason ? t("chatWhy.server", { reason: answer.reason }) : t("chatWhy.unknown")];
}
