// Short human descriptions of triggers, steps and conditions, for lists, nodes and logs.

import { isGroup, isNot, str, type Condition, type Step, type Trigger } from "./document";

export const TRIGGER_LABELS: Record<string, string> = {
  message_received: "Any message received",
  exact_phrase: "Exact phrase",
  contact_created: "New contact",
  outside_business_hours: "Outside business hours",
  holiday: "On a holiday",
  date: "A date in a contact field",
  conversation_idle: "No reply for a while",
  integration: "Integration call (webhook)",
  outbound: "Started by API / list / CSV",
  list_added: "Added to a list",
  ticket_status_changed: "Ticket status changed",
};

export function describeTrigger(trigger: Trigger | undefined, triggerType?: string): string {
  const type = trigger?.type ?? triggerType ?? "";
  const label = TRIGGER_LABELS[type] ?? type;
  if (!trigger) return label;
  switch (type) {
    case "exact_phrase":
      return `Phrase “${str(trigger.phrase)}”`;
    case "conversation_idle":
      return `No reply for ${str(trigger.minutes)} min`;
    case "date":
      return `Date in “${str(trigger.field)}”`;
    case "list_added":
      return `Added to list “${str(trigger.list)}”`;
    default:
      return label;
  }
}

export const STEP_LABELS: Record<string, string> = {
  send_text: "Send text",
  ai_reply: "Reply with AI",
  send: "Send buttons / list / media",
  menu: "Menu (buttons or list)",
  question: "Ask a question",
  wait_for_reply: "Wait for reply",
  branch: "Condition branch",
  add_tag: "Add tag",
  remove_tag: "Remove tag",
  assign_agent: "Assign agent",
  notify_agent: "Notify agent",
  set_field: "Set contact field",
  http_request: "HTTP request",
  webhook: "Send webhook",
  block: "Block contact",
  unblock: "Unblock contact",
  end_other_runs: "End other runs",
  go_to: "Go to step",
  end: "End",
  add_to_list: "Add to list",
  remove_from_list: "Remove from list",
  open_ticket: "Open ticket",
  close_ticket: "Close ticket",
};

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** One line saying what a step does; `names` turns agent ids into names. */
export function describeStep(step: Step, names: Record<string, string> = {}): string {
  const content = (step.content ?? {}) as Record<string, unknown>;
  switch (step.type) {
    case "send_text":
      return step.translate ? `${clip(str(step.text), 46)} · translated` : clip(str(step.text));
    case "ai_reply": {
      const pause = typeof step.debounce_ms === "number" ? step.debounce_ms / 1000 : 3;
      const history = typeof step.history === "number" ? step.history : 10;
      const prefix = str(step.system_prefix);
      return clip(`${prefix ? `${prefix} · ` : ""}after a ${pause} s pause, seeing ${history} messages`);
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
      return step.agent ? `to ${names[str(step.agent)] ?? str(step.agent)}` : "unassign";
    case "set_field":
      return `${str(step.field)} = ${step.next_message ? "next message" : clip(str(step.value), 30)}`;
    case "http_request":
    case "webhook":
      return `${str(step.method || (step.type === "webhook" ? "POST" : "GET"))} ${clip(str(step.url), 40)}`;
    case "wait_for_reply":
      return step.timeout ? `up to ${str(step.timeout)}` : "no time limit";
    case "branch":
      return clip(describeCondition(step.conditions as Condition | undefined), 70);
    case "go_to":
      return `→ ${str(step.target)}`;
    default:
      return "";
  }
}

/** A condition tree in words, compact. */
export function describeCondition(c: Condition | undefined): string {
  if (!c) return "always";
  if (isNot(c)) return `not (${describeCondition(c.not)})`;
  if (isGroup(c)) {
    const [word, items] = "all" in c ? [" and ", c.all] : [" or ", c.any];
    return items.map((i) => (isGroup(i) ? `(${describeCondition(i)})` : describeCondition(i))).join(word);
  }
  const leaf = c as Record<string, unknown>;
  const not = leaf.negate ? "not " : "";
  const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => `“${str(x)}”`).join(", ") : "");
  switch (leaf.type) {
    case "text":
      return `${not}text ${str(leaf.op).replace(/_/g, " ")} ${list(leaf.values)}`;
    case "tags":
      return `${not}has ${str(leaf.mode || "any")} of tags ${list(leaf.tags)}`;
    case "message_type":
      return `${not}message is ${list(leaf.types)}`;
    case "business_hours":
      return `${not}inside business hours`;
    case "schedule":
      return `${not}inside a weekly schedule`;
    case "assigned_agent":
      return `${not}assigned agent is ${str(leaf.agent)}`;
    case "variable":
      return `${not}variable ${str(leaf.name)} ${str(leaf.op).replace(/_/g, " ")} ${str(leaf.value)}`;
    case "contact_field":
      return `${not}field ${str(leaf.field)} ${str(leaf.op).replace(/_/g, " ")} ${str(leaf.value)}`;
    default:
      return `${not}${str(leaf.type)}`;
  }
}
