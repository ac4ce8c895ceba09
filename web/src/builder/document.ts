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
  /** Keep running while an agent has taken over the conversation (omitted when false). */
  during_takeover?: boolean;
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

/** The step types whose run continues at `next` (menus route, `go_to` jumps, `end` ends). */
export function hasNext(type: string): boolean {
  return type !== "menu" && type !== "go_to" && type !== "end";
}

/** The id of a plain `end` step the branches can end at: an existing one, or a new one appended
 * (appending it changes nothing: the former last step ended the run anyway). */
export function ensureEnd(steps: Step[]): { steps: Step[]; endId: string } {
  const existing = steps.find((s) => s.type === "end" && (!s.when || s.when === "immediately"));
  if (existing) return { steps, endId: existing.id };
  const taken = new Set(steps.map((s) => s.id));
  let endId = "end";
  for (let i = 2; taken.has(endId); i++) endId = `end-${i}`;
  return { steps: [...steps, { id: endId, type: "end" }], endId };
}

/** Makes step `index`'s implicit edges (list order) explicit, so that a step inserted after it
 * does not become their target. */
function freeze(steps: Step[], index: number): Step[] {
  const step = steps[index];
  if (!step) return steps;
  let copy: Step = step;
  for (const e of stepEdges(steps, index)) {
    if (e.implicit && e.target) copy = withEdge(copy, e.field, e.target);
  }
  return copy === step ? steps : steps.map((s, i) => (i === index ? copy : s));
}

/**
 * Inserts `step` on the edge `field` of step `sourceId` (an option of a menu, the "no" of a
 * branch, the "next" of a step...): the edge then leads to the new step, which continues where
 * the edge led, or ends the run when the edge led nowhere: a branch ends unless it is linked,
 * never falling through into the next step of the list. An implicit "next" (list order) is kept
 * implicit: the new step goes right after its source and the flow goes through it.
 */
export function insertOnEdge(steps: Step[], sourceId: string, field: string, step: Step): Step[] {
  const index = steps.findIndex((s) => s.id === sourceId);
  if (index < 0) return [...steps, step];
  const edge = stepEdges(steps, index).find((e) => e.field === field);
  if (edge?.implicit) {
    // The flow in list order: source → new step → the former following step.
    return [...steps.slice(0, index + 1), step, ...steps.slice(index + 1)];
  }
  let list = freeze(steps, index);
  let target = edge?.target ?? null;
  if (!target && hasNext(step.type)) {
    const ended = ensureEnd(list);
    list = ended.steps;
    target = ended.endId;
  }
  let inserted: Step = { ...step };
  if (hasNext(step.type) && target) inserted = { ...inserted, next: target };
  list = list.map((s) => (s.id === sourceId ? withEdge(s, field, step.id) : s));
  // After the source and the steps its other edges already lead to, so that siblings stay together.
  const targets = new Set(stepEdges(list, index).map((e) => e.target));
  let at = index + 1;
  while (at < list.length && targets.has(list[at]?.id ?? "") && list[at]?.type !== "end") at++;
  list = freeze(list, at - 1);
  return [...list.slice(0, at), inserted, ...list.slice(at)];
}

/** Where the library puts a new step when `selectedId` is selected: on the first menu option not
 * routed yet, else on the selected step's main way on ("next", or a branch's "yes"); with nothing
 * selected, at the end of the flow. */
export function addAfter(steps: Step[], selectedId: string | null, step: Step): Step[] {
  const index = selectedId ? steps.findIndex((s) => s.id === selectedId) : -1;
  if (index < 0) {
    const last = steps[steps.length - 1];
    return last ? addAfter(steps, last.id, step) : [step];
  }
  const source = steps[index] as Step;
  const edges = stepEdges(steps, index);
  if (source.type === "menu") {
    const free = edges.find((e) => e.field.startsWith("routes.") && !e.target);
    if (free) return insertOnEdge(steps, source.id, free.field, step);
  }
  const main = edges.find((e) => e.field === "next" || e.field === "then");
  if (main) return insertOnEdge(steps, source.id, main.field, step);
  // A step with no way on (an end, a go-to, a fully routed menu): the new step starts a new
  // piece of the flow after it, reached by linking to it.
  return [...freeze(steps, index).slice(0, index + 1), step, ...freeze(steps, index).slice(index + 1)];
}

/** Ends the run after step `index` on edge `field` (for "next" and a branch's "yes", where an
 * absent edge would continue in list order): the edge leads to an `end` step. */
export function endOnEdge(steps: Step[], index: number, field: string): Step[] {
  const { steps: list, endId } = ensureEnd(steps);
  return list.map((s, i) => (i === index ? withEdge(s, field, endId) : s));
}

/** Sets (or clears, with null) the edge of step `stepId` drawn from handle `handle`. */
export function setEdgeByHandle(steps: Step[], stepId: string, handle: string, target: string | null): Step[] {
  return steps.map((s, i) => {
    if (s.id !== stepId) return s;
    const edge = stepEdges(steps, i).find((e) => e.handle === handle);
    return edge ? withEdge(s, edge.field, target) : s;
  });
}

/** Moves step `index` by `delta` places in the list. */
export function moveStep(steps: Step[], index: number, delta: number): Step[] {
  const list = [...steps];
  const [s] = list.splice(index, 1);
  if (s) list.splice(index + delta, 0, s);
  return list;
}
