// Auto-layout: a simple layered (top-to-bottom) placement of the steps, by distance from the start.

import { stepEdges, type Step } from "./document";

export type Positions = Record<string, { x: number; y: number }>;

export const TRIGGER_NODE = "__trigger";
const COLUMN = 280;
const ROW = 170;

/** Layers by breadth-first distance from the first step; unreachable steps go below, in order. */
export function autoLayout(steps: Step[]): Positions {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const layer = new Map<string, number>();
  const queue: string[] = [];
  if (steps[0]) {
    layer.set(steps[0].id, 1);
    queue.push(steps[0].id);
  }
  while (queue.length) {
    const id = queue.shift() as string;
    const i = index.get(id);
    if (i === undefined) continue;
    for (const edge of stepEdges(steps, i)) {
      if (edge.target && index.has(edge.target) && !layer.has(edge.target)) {
        layer.set(edge.target, (layer.get(id) ?? 0) + 1);
        queue.push(edge.target);
      }
    }
  }
  let deepest = Math.max(0, ...layer.values());
  for (const s of steps) if (!layer.has(s.id)) layer.set(s.id, ++deepest);
  const rows = new Map<number, string[]>();
  for (const s of steps) {
    const l = layer.get(s.id) ?? 0;
    rows.set(l, [...(rows.get(l) ?? []), s.id]);
  }
  const positions: Positions = { [TRIGGER_NODE]: { x: 0, y: 0 } };
  for (const [l, ids] of rows) {
    ids.forEach((id, k) => {
      positions[id] = { x: (k - (ids.length - 1) / 2) * COLUMN, y: l * ROW };
    });
  }
  return positions;
}

/** A free spot below `near` (or below everything) for a new step. */
export function placeNew(positions: Positions, near: string | null): { x: number; y: number } {
  const base = near ? positions[near] : undefined;
  const all = Object.values(positions);
  if (base) {
    let y = base.y + ROW;
    while (all.some((p) => Math.abs(p.x - base.x) < COLUMN / 2 && Math.abs(p.y - y) < ROW / 2)) y += ROW;
    return { x: base.x, y };
  }
  return { x: 0, y: Math.max(0, ...all.map((p) => p.y)) + ROW };
}
