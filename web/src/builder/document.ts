// The workflow document as the server reads it (crates/domain/src/document.rs, step.rs, trigger.rs,
// condition.rs), and the graph a document describes: which step each edge leads to.

export type StepType =
  | "send_text" | "send" | "menu" | "add_tag" | "remove_tag" | "assign_agent" | "wait_for_reply"
  | "question" | "branch" | "http_request" | "webhook" | "set_field" | "block" | "unblock"
  | "end_other_runs" | "go_to" | "notify_agent" | "end" | "add_to_list" | "remove_from_list"
  | "open_ticket" | "close_ticket" | "ai_reply";

/** A step: the common fields, plus the fields of its type (read with the helpers below). */
export type Step = {
  id: string;
  type: StepType;
  when?: string;
  next?: string;
} & { [field: string]: unknown };

export type Trigger = { type: string } & { [field: string]: unknown };

export type Leaf = { type: string; negate?: boolean } & { [field: string]: unknown };
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

export interface WorkflowDocument {
  schema?: number;
  name: string;
  description?: string;
  active?: boolean;
  priority?: number;
  scope?: "all" | { number: string };
  stop_on_match?: boolean;
  trigger: Trigger;
  conditions?: Condition;
  steps: Step[];
  /** Where each step sits on the canvas; kept only if the server accepts `ui` (see SERVER_NEEDS.md). */
  ui?: { positions?: Record<string, { x: number; y: number }> };
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

export function isGroup(c: Condition): c is { all: Condition[] } | { any: Condition[] } {
  return "all" in c || "any" in c;
}

export function isNot(c: Condition): c is { not: Condition } {
  return "not" in c;
}

/** One outgoing edge of a step. `field` is where the target is stored; `implicit` edges follow list order. */
export interface StepEdge {
  /** The handle id on the node, unique per step. */
  handle: string;
  label: string;
  /** The document field that holds the target (`next`, `then`, `routes.ship`, ...). */
  field: string;
  target: string | null;
  implicit: boolean;
}

/** The id of the step after `index` in list order, if any. */
function following(steps: Step[], index: number): string | null {
  return steps[index + 1]?.id ?? null;
}

/** The options of a menu's buttons or list rows, as [id, title]. */
export function menuOptions(step: Step): Array<[string, string]> {
  const content = (step.content ?? {}) as Record<string, unknown>;
  if (Array.isArray(content.buttons)) {
    return (content.buttons as Array<Record<string, unknown>>).map((b) => [str(b.id), str(b.title)]);
  }
  if (Array.isArray(content.sections)) {
    return (content.sections as Array<Record<string, unknown>>).flatMap((s) =>
      Array.isArray(s.rows) ? (s.rows as Array<Record<string, unknown>>).map((r): [string, string] => [str(r.id), str(r.title)]) : [],
    );
  }
  return [];
}

/**
 * The edges of step `index`, as the engine follows them: an absent `next` continues with the
 * following step in the list; a branch without `then` continues there too, without `else` it ends.
 */
export function stepEdges(steps: Step[], index: number): StepEdge[] {
  const step = steps[index];
  if (!step) return [];
  const opt = (v: unknown) => (typeof v === "string" && v ? v : null);
  const nextEdge = (label: string): StepEdge => {
    const explicit = opt(step.next);
    return { handle: "next", label, field: "next", target: explicit ?? following(steps, index), implicit: !explicit };
  };
  const edge = (handle: string, label: string, field: string, value: unknown): StepEdge => ({
    handle, label, field, target: opt(value), implicit: false,
  });
  switch (step.type) {
    case "end":
      return [];
    case "go_to":
      return [edge("target", "go to", "target", step.target)];
    case "branch": {
      const then = opt(step.then);
      return [
        { handle: "then", label: "yes", field: "then", target: then ?? opt(step.next) ?? following(steps, index), implicit: !then },
        edge("else", "no", "else", step.else),
      ];
    }
    case "menu": {
      const routes = (step.routes ?? {}) as Record<string, unknown>;
      return [
        ...menuOptions(step).map(([id, title]) => edge(`route:${id}`, title || id, `routes.${id}`, routes[id])),
        edge("otherwise", "anything else", "otherwise", step.otherwise),
      ];
    }
    case "question":
      return [
        nextEdge("answered"),
        edge("invalid_next", "invalid", "invalid_next", step.invalid_next),
        edge("timeout_next", "timeout", "timeout_next", step.timeout_next),
      ];
    case "wait_for_reply":
      return [nextEdge("replied"), edge("timeout_next", "timeout", "timeout_next", step.timeout_next)];
    case "ai_reply":
      return [nextEdge("replied"), edge("on_failure", "fallback", "on_failure", step.on_failure)];
    case "http_request":
    case "webhook":
      return [
        nextEdge("success"),
        edge("on_failure", "failure", "on_failure", step.on_failure),
        edge("on_timeout", "timeout", "on_timeout", step.on_timeout),
      ];
    default:
      return [nextEdge("next")];
  }
}

/** Sets (or clears, with null) the target of one edge field of a step; returns the new step. */
export function withEdge(step: Step, field: string, target: string | null): Step {
  const copy: Step = { ...step };
  if (field.startsWith("routes.")) {
    const routes = { ...((step.routes ?? {}) as Record<string, string>) };
    const key = field.slice("routes.".length);
    if (target) routes[key] = target;
    else delete routes[key];
    copy.routes = routes;
    return copy;
  }
  if (target) copy[field] = target;
  else delete copy[field];
  return copy;
}

/** Renames a step id everywhere it is referenced. */
export function renameStep(steps: Step[], from: string, to: string): Step[] {
  const fix = (v: unknown) => (v === from ? to : v);
  return steps.map((s) => {
    const copy: Step = { ...s, id: s.id === from ? to : s.id };
    for (const key of ["next", "then", "else", "otherwise", "target", "timeout_next", "invalid_next", "on_failure", "on_timeout"]) {
      if (key in copy) copy[key] = fix(copy[key]);
    }
    if (copy.routes && typeof copy.routes === "object") {
      copy.routes = Object.fromEntries(Object.entries(copy.routes as Record<string, unknown>).map(([k, v]) => [k, fix(v)]));
    }
    return copy;
  });
}

/** Removes a step and every edge that named it. */
export function removeStep(steps: Step[], id: string): Step[] {
  return steps
    .filter((s) => s.id !== id)
    .map((s) => {
      let copy: Step = { ...s };
      for (const key of ["next", "then", "else", "otherwise", "timeout_next", "invalid_next", "on_failure", "on_timeout"]) {
        if (copy[key] === id) delete copy[key];
      }
      if (copy.type === "go_to" && copy.target === id) copy = { ...copy, target: "" };
      if (copy.routes && typeof copy.routes === "object") {
        copy.routes = Object.fromEntries(Object.entries(copy.routes as Record<string, string>).filter(([, v]) => v !== id));
      }
      return copy;
    });
}

/** The step index a server field path points into (`steps[3].text` → 3). */
export function stepIndexOf(path: string): number | null {
  const m = /^steps\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : null;
}
