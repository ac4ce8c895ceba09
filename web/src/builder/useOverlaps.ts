// Other live workflows that would also take this workflow's messages (same trigger, overlapping
// conditions, same priority): GET /workflows/{id}/overlaps, asked again after every save (the
// server compares the draft). A server without the endpoint gives no warning.

import { useEffect, useState } from "react";
import { api } from "../api/client";

export interface Overlap {
  workflow_id: string;
  name: string;
  reason: string;
}

export function useOverlaps(workflowId: string, reloadKey: number): Overlap[] {
  const [overlaps, setOverlaps] = useState<Overlap[]>([]);
  useEffect(() => {
    let cancelled = false;
    api
      .get<{ overlaps: Overlap[] }>(`/workflows/${encodeURIComponent(workflowId)}/overlaps`)
      .then((a) => !cancelled && setOverlaps(Array.isArray(a.overlaps) ? a.overlaps : []))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [workflowId, reloadKey]);
  return overlaps;
}
