// Response fields added for issue 18 that the numbers, templates and conversations pages read
// (types.ts is regenerated elsewhere; these extend its shapes). Every new field is optional: a
// server without it still type-checks, and the pages say in words what they cannot show.

import { ApiError } from "./client";
import type { Conversation, Message, WaNumber, Workspace } from "./types";

/** A number with its status reason and, for Cloud API numbers, where Meta posts its webhooks. */
export interface NumberInfo extends WaNumber {
  /** Why the number is in its status (disconnected, logged out, banned until …), in English. */
  status_reason?: string | null;
  /** Cloud API: `/webhooks/cloud_api/{id}`, to prefix with the dashboard's origin. */
  webhook_path?: string | null;
  /** Cloud API: the token Meta sends back when verifying the webhook (admins only). */
  verify_token?: string | null;
}

/** `POST /numbers/{id}/check`: whether Meta's Graph API accepts the number's credentials. */
export interface NumberCheck {
  ok: boolean;
  message: string;
  verified_name: string | null;
  display_phone: string | null;
}

/** The pairing in progress: a QR code to scan, or a code to type on the phone. */
export interface Pairing {
  code?: string;
  /** The QR code as an SVG document (may be missing when it could not be drawn). */
  qr?: string | null;
  pair_code?: string;
  expires_at?: string | null;
}

/** One server-sent event of `GET /numbers/{id}/events`. */
export type NumberEvent =
  | { event: "number.status"; status: string; reason?: string | null; expires_at?: string | null }
  | { event: "number.qr"; pairing: Pairing }
  | { event: "number.pair_code"; pairing: Pairing }
  | { event: "number.paired"; phone?: string | null };

/** The last message of a conversation, for the list's preview. */
export interface LastMessage {
  text: string;
  direction: "in" | "out";
  at: string;
  status: string | null;
}

/** A conversation with its preview, unread count and human takeover. */
export interface ConversationInfo extends Omit<Conversation, "last_message" | "unread" | "automation_paused_until"> {
  last_message?: LastMessage | null;
  unread?: number;
  /** Until when workflows leave this contact to the agents (an agent wrote); null: they run. */
  automation_paused_until?: string | null;
}

/** The message shape is unchanged; named here so the thread's pieces share one import. */
export type ThreadMessage = Message;

/** The workspace with the human takeover's duration. */
export interface WorkspaceTakeover extends Omit<Workspace, "takeover_hours"> {
  /** Hours automation pauses for a contact after an agent writes (0: never pauses). */
  takeover_hours?: number;
}

/** Whether an API error says the endpoint does not exist on this server (an older waflow). */
export function isMissingEndpoint(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  return e.status === 405 || (e.status === 404 && /no such endpoint/i.test(e.detail));
}
