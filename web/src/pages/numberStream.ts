// The live events of a linked-device number (`GET /numbers/{id}/events`, server-sent events).
//
// `EventSource` cannot send the `Authorization` header and the server takes the token only from
// that header, so the stream is read with `fetch` and a streaming reader, and parsed here.

import { useEffect, useRef } from "react";
import { API_BASE, ApiError, errorText, getToken } from "../api/client";
import type { NumberEvent } from "../api/extra";

/** Splits server-sent-event text into events: `event:` names them, `data:` lines carry JSON. */
export function parseEvents(chunk: string): { events: NumberEvent[]; rest: string } {
  const events: NumberEvent[] = [];
  const blocks = chunk.replace(/\r\n/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let name = "";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) continue; // a keep-alive comment
    try {
      const body = JSON.parse(data.join("\n")) as Record<string, unknown>;
      events.push({ ...body, event: (name || body.event) as NumberEvent["event"] } as NumberEvent);
    } catch {
      // not JSON: not one of ours
    }
  }
  return { events, rest };
}

/** Reads the stream until it ends or `signal` aborts; `onEvent` gets each event. */
export async function readNumberEvents(numberId: string, onEvent: (e: NumberEvent) => void, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${API_BASE}/numbers/${encodeURIComponent(numberId)}/events`, { headers, signal });
  if (!response.ok || !response.body) {
    let message = `the server answered ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { message?: string; code?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // no JSON body: the status says enough
    }
    throw new ApiError(response.status, "http", message, null);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const { events, rest } = parseEvents(buffered + value);
    buffered = rest;
    for (const e of events) onEvent(e);
  }
  const { events } = parseEvents(`${buffered}\n\n`);
  for (const e of events) onEvent(e);
}

/** Follows a number's events while `active`; a new `generation` opens a fresh stream. */
export function useNumberEvents(
  numberId: string,
  active: boolean,
  generation: number,
  onEvent: (e: NumberEvent) => void,
  onError: (message: string) => void,
): void {
  const handlers = useRef({ onEvent, onError });
  handlers.current = { onEvent, onError };
  useEffect(() => {
    if (!active) return;
    const abort = new AbortController();
    readNumberEvents(numberId, (e) => handlers.current.onEvent(e), abort.signal).catch((e: unknown) => {
      if (abort.signal.aborted) return;
      handlers.current.onError(errorText(e));
    });
    return () => abort.abort();
  }, [numberId, active, generation]);
}
