// GET /stats?days=N's answer (every day of the period, oldest first, zeros included; the flows
// that ran; the numbers and their status) and the period's totals.

export interface Stats {
  days: Array<{ date: string; messages_in: number; messages_out: number; runs: number; failures: number; ai_credits: number }>;
  workflows: Array<{ workflow_id: string; name: string; runs: number; replies: number }>;
  numbers: Array<{ id: string; label: string; channel: string; status: string; status_reason?: string | null }>;
}

export type TotalKey = "messages_in" | "messages_out" | "runs" | "failures" | "ai_credits";

/** A column's total over the period. */
export function sumOf(stats: Stats, key: TotalKey): number {
  return stats.days.reduce((sum, day) => sum + (Number(day[key]) || 0), 0);
}
