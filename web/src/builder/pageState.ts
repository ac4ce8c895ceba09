// The builder page's helpers: node positions kept in the browser, errors shown on nodes, and the
// keyboard shortcuts (Ctrl+S saves, Ctrl+Z undoes outside text fields; leaving warns while unsaved).

import { useEffect } from "react";
import { stepIndexOf, type WorkflowDocument } from "./document";
import { autoLayout, TRIGGER_NODE, type Positions } from "./layout";

export function positionsKey(id: string): string {
  return `waflow.positions.${id}`;
}

export function loadPositions(id: string, doc: WorkflowDocument): Positions {
  const fromDoc = doc.ui?.positions;
  let stored: Positions = {};
  try {
    stored = JSON.parse(localStorage.getItem(positionsKey(id)) ?? "{}") as Positions;
  } catch {
    stored = {};
  }
  const merged = { ...stored, ...(fromDoc ?? {}) };
  const known = doc.steps.every((s) => merged[s.id]);
  return known ? { ...autoLayout(doc.steps), ...merged } : autoLayout(doc.steps);
}

/** The server's field error as text on the node it concerns (a step, or the trigger). */
export function nodeErrors(fieldError: { field: string; message: string } | null, doc: WorkflowDocument | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fieldError || !doc) return out;
  const i = stepIndexOf(fieldError.field);
  const step = i !== null ? doc.steps[i] : undefined;
  if (step) out[step.id] = `${fieldError.field.replace(/^steps\[\d+\]\.?/, "") || "step"}: ${fieldError.message}`;
  else if (/^(trigger|conditions)/.test(fieldError.field)) out[TRIGGER_NODE] = `${fieldError.field}: ${fieldError.message}`;
  return out;
}

export function useShortcuts(save: () => Promise<boolean>, undo: () => void, dirty: boolean): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        void save();
      }
      // Ctrl+Z outside text fields undoes the last change to the flow (fields keep their own undo).
      const target = e.target as HTMLElement | null;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
        e.preventDefault();
        undo();
      }
    };
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("beforeunload", onUnload);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, [save, dirty, undo]);
}
