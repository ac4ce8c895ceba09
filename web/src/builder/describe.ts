// Short human descriptions of triggers, steps, edges and conditions, for lists, nodes and logs,
// in the reader's language (words/builder.ts).

import { t, type BuilderKey } from "../app/words/builder";
import { isGroup, isNot, str, type Condition, type Step, type StepEdge, type Trigger } from "./document";

export const TRIGGER_TYPES = [
  "message_received", "exact_phrase", "contact_created", "outside_business_hours", "holiday", "conversation_idle",
  "date", "integration", "outbound", "list_added", "ticket_status_changed",
] as const;

export function triggerLabel(type: string): string {
  return (TRIGGER_TYPES as readonly string[]).includes(type) ? t(`trigger.type.${type}` as BuilderKey) : type;
}

export function describeTrigger(trigger: Trigger | undefined, triggerType?: string): string {
  const type = trigger?.type ?? triggerType ?? "";
  const label = triggerLabel(type);
  if (!trigger) return label;
  switch (type) {
    case "exact_phrase":
      return t("trigger.desc.phrase", { phrase: str(trigger.phrase) });
    case "conversation_idle":
      return t("trigger.desc.idle", { minutes: str(trigger.minutes) });
    case "date":
      return t("trigger.desc.date", { field: str(trigger.field) });
    case "list_added":
      return t("trigger.desc.list", { list: str(trigger.list) });
    default:
      return label;
  }
}

export const STEP_TYPES = [
  "send_text", "ai_reply", "send", "menu", "question", "wait_for_reply", "branch", "add_tag", "remove_tag", "assign_agent",
  "notify_agent", "set_field", "http_request", "webhook", "block", "unblock", "end_other_runs", "go_to", "end",
  "add_to_list", "remove_from_list", "open_ticket", "close_ticket",
] as const;

/** The name of a step type ("Send text"); the type itself when unknown. */
export function stepLabel(type: string): string {
  return (STEP_TYPES as readonly string[]).includes(type) ? t(`step.type.${type}` as BuilderKey) : type;
}

/** Whether the builder knows this step type (its fields have a form). */
export function knownStep(type: string): boolean {
  return (STEP_TYPES as readonly string[]).includes(type);
}

/** The words on an edge: a menu option's title, or what the edge means ("yes", "timeout"...). */
export function edgeLabel(e: StepEdge): string {
  if (e.field.startsWith("routes.")) return e.label;
  const keys: Record<string, BuilderKey> = {
    then: "edge.yes", else: "edge.no", target: "edge.goTo", otherwise: "edge.otherwise", invalid_next: "edge.invalid",
    timeout_next: "edge.timeout", on_timeout: "edge.timeout", on_failure: e.label === "fallback" ? "edge.fallback" : "edge.failure",
  };
  if (e.field === "next") {
    const next: Record<string, BuilderKey> = { answered: "edge.answered", replied: "edge.replied", success: "edge.success" };
    return t(next[e.label] ?? "edge.next");
  }
  const key = keys[e.field];
  return key ? t(key) : e.label;
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** One line saying what a step does; `names` turns agent ids into names. */
export function describeStep(step: Step, names: Record<string, string> = {}): string {
  const content = (step.content ?? {}) as Record<string, unknown>;
  switch (step.type) {
    case "send_text":
      return step.translate ? t("step.desc.translated", { text: clip(str(step.text), 46) }) : clip(str(step.text));
    case "ai_reply": {
      const pause = typeof step.debounce_ms === "number" ? step.debounce_ms / 1000 : 3;
      const history = typeof step.history === "number" ? step.history : 10;
      const prefix = str(step.system_prefix);
      const what = t("step.desc.ai", { pause: new Intl.NumberFormat().format(pause), history: String(history) });
      return clip(`${prefix ? `${prefix} · ` : ""}${what}`);
    }
    case "question":
    case "notify_agent":
      return clip(str(step.text));
    case "send":
    case "menu":
      return clip(str(content.body ?? content.caption ?? content.name ?? content.type));
    case "add_tag":
    case "remove_tag":
      return str(step.tag);
    case "add_to_list":
    case "remove_from_list":
      return str(step.list);
    case "open_ticket":
      return clip(str(step.subject));
    case "assign_agent":
      return step.agent ? t("step.desc.assign", { agent: names[str(step.agent)] ?? str(step.agent) }) : t("step.desc.unassign");
    case "set_field":
      return `${str(step.field)} = ${step.next_message ? t("step.desc.nextMessage") : clip(str(step.value), 30)}`;
    case "http_request":
    case "webhook":
      return `${str(step.method || (step.type === "webhook" ? "POST" : "GET"))} ${clip(str(step.url), 40)}`;
    case "wait_for_reply":
      return step.timeout ? t("step.desc.upTo", { timeout: str(step.timeout) }) : t("step.desc.noLimit");
    case "branch":
      return clip(describeCondition(step.conditions as Condition | undefined), 70);
    case "go_to":
      return `→ ${str(step.target)}`;
    default:
      return "";
  }
}

/** A step for a picker: its type and what it does, e.g. `Send text: “Our price is…”`. */
export function describeTarget(step: Step, names: Record<string, string> = {}): string {
  const what = describeStep(step, names);
  return what ? `${stepLabel(step.type)}: ${clip(what, 40)}` : stepLabel(step.type);
}

/** An operator or mode in words ("starts_with" → "starts with"). */
export function opLabel(v: unknown): string {
  const o = str(v);
  const key = `cond.op.${o}` as BuilderKey;
  const text = t(key);
  return text === key ? o.replace(/_/g, " ") : text;
}

/** A condition tree in words, compact. */
export function describeCondition(c: Condition | undefined): string {
  if (!c) return t("cond.always");
  if (isNot(c)) return t("cond.not", { c: describeCondition(c.not) });
  if (isGroup(c)) {
    const [word, items] = "all" in c ? [` ${t("cond.and")} `, c.all] : [` ${t("cond.or")} `, c.any];
    return items.map((i) => (isGroup(i) ? `(${describeCondition(i)})` : describeCondition(i))).join(word);
  }
  const leaf = c as Record<string, unknown>;
  const not = leaf.negate ? `${t("cond.negate")} ` : "";
  const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => `“${str(x)}”`).join(", ") : "");
  switch (leaf.type) {
    case "text":
      return `${not}${t("cond.text", { op: opLabel(leaf.op), values: list(leaf.values) })}`;
    case "tags":
      return `${not}${t("cond.tags", { mode: opLabel(leaf.mode || "any"), tags: list(leaf.tags) })}`;
    case "message_type":
      return `${not}${t("cond.messageType", { types: list(leaf.types) })}`;
    case "business_hours":
      return `${not}${t("cond.businessHours")}`;
    case "schedule":
      return `${not}${t("cond.schedule")}`;
    case "assigned_agent":
      return `${not}${t("cond.agent", { agent: str(leaf.agent) })}`;
    case "variable":
      return `${not}${t("cond.variable", { name: str(leaf.name), op: opLabel(leaf.op), value: str(leaf.value) })}`;
    case "contact_field":
      return `${not}${t("cond.field", { field: str(leaf.field), op: opLabel(leaf.op), value: str(leaf.value) })}`;
    default:
      return `${not}${str(leaf.type)}`;
  }
}
