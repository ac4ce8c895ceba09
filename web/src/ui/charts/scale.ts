// The arithmetic the charts share: a round top for the value axis, and which day labels to print.

/** The smallest "round" number (1, 2, 4, 6, 8 × a power of ten) at or above `max`; 1 for
 * nothing. Counts are whole numbers: an even top keeps the middle tick whole too (0, 2, 4). */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 4, 6, 8, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

/** The indexes of the category labels to print under an axis of `count` places: at most
 * `room` of them, always the first and the last. */
export function labelIndexes(count: number, room = 6): number[] {
  if (count <= 0) return [];
  if (count <= room) return Array.from({ length: count }, (_, i) => i);
  const step = (count - 1) / (room - 1);
  const picked = new Set<number>();
  for (let i = 0; i < room; i++) picked.add(Math.round(i * step));
  return [...picked];
}

/** The sum of a series. */
export function total(values: number[]): number {
  return values.reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
}
