// The API client: `fetch` with the bearer token, and the server's error JSON turned into words.
//
// Every error the server sends is `{"error": {"code", "message", "field"}}`; callers get an
// `ApiError` whose `message` is a sentence a person can read, never the raw JSON: a lead sentence
// in the dashboard's language chosen by the stable `code` (naming the field when there is one),
// then the server's own detail, which stays in the server's words.

import { known, t as anyWords } from "../app/i18n";
import { t } from "../app/words/errors";

const TOKEN_KEY = "waflow.token";
export const API_BASE = "/api/v1";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** The server's stable error codes (README, API errors), and `network` when it could not be reached. */
export type ErrorCode =
  | "bad_request"
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "unavailable"
  | "internal"
  | "network";

const CODES: readonly string[] = ["bad_request", "invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "unsupported_media_type", "too_many_requests", "unavailable", "internal", "network"];

/** The code an answer without a known code stands for (a proxy's 502, an old server). */
const BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "too_large",
  415: "unsupported_media_type",
  422: "invalid",
  429: "too_many_requests",
  500: "internal",
  502: "unavailable",
  503: "unavailable",
  504: "unavailable",
};

/** The stable code of an error answer: the server's when it is one we know, else the status's. */
export function errorCode(status: number, code: string): ErrorCode | null {
  if (status === 0) return "network";
  if (CODES.includes(code)) return code as ErrorCode;
  return BY_STATUS[status] ?? null;
}

/** An error from the API (or from reaching it), in words. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The field path the server named, e.g. `steps[2].text`. */
  readonly field: string | null;
  /** The server's message without the leading `field: ` it repeats (in the server's words). */
  readonly detail: string;
  /** The lead sentence in the dashboard's language (from the code and the field), without the detail. */
  readonly lead: string;

  constructor(status: number, code: string, message: string, field: string | null) {
    const detail = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
    const lead = leadSentence(status, code, field);
    super(describe(status, code, lead, detail));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.detail = detail;
    this.lead = lead;
  }
}

/** A field path in words of the dashboard's language: `steps[2].text` → `step 3 › text`. */
export function fieldLabel(path: string): string {
  return path
    .replace(/^steps\[(\d+)\]/, (_, i: string) => t("field.step", { n: String(Number(i) + 1) }))
    .replace(/\[(\d+)\]/g, (_, i: string) => ` ${Number(i) + 1}`)
    .split(".")
    .map((part) => {
      const key = `field.${part}`;
      return known(key) ? anyWords(key) : part.replace(/_/g, " ");
    })
    .join(" › ");
}

function leadSentence(status: number, code: string, field: string | null): string {
  const kind = errorCode(status, code);
  if (kind === "invalid" && field) return t("error.invalidField", { field: fieldLabel(field) });
  const lead = kind ? t(`error.${kind}`) : t("error.other", { status: String(status) });
  return field && kind !== "network" ? t("error.inField", { lead, field: fieldLabel(field) }) : lead;
}

function describe(status: number, code: string, lead: string, detail: string): string {
  const kind = errorCode(status, code);
  // An internal error's detail says nothing to a person (the server log has it).
  if (kind === "network" || kind === "internal") return `${lead}.`;
  if (kind === "unauthorized" && !detail) return `${t("error.sessionEnded")}.`;
  return detail ? t("error.withDetail", { lead, detail }) : `${lead}.`;
}

type ErrorBody = { error?: { code?: unknown; message?: unknown; field?: unknown } };

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as ErrorBody;
    const e = body.error;
    if (e && typeof e.message === "string") {
      return new ApiError(
        response.status,
        typeof e.code === "string" ? e.code : "error",
        e.message,
        typeof e.field === "string" && e.field !== "" ? e.field : null,
      );
    }
  } catch {
    // not JSON: fall through to a description of the status
  }
  return new ApiError(response.status, "http", "", null);
}

let unauthorizedHandler: (() => void) | null = null;

/** Called when any request answers 401 (the session ended). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

export interface RequestOptions {
  /** A body that is sent as is (text, or a file), with this content type. */
  rawBody?: string | Blob;
  contentType?: string;
  /** Read the answer as text rather than JSON. */
  asText?: boolean;
  /** Read the answer as a Blob (a download) rather than JSON. */
  asBlob?: boolean;
  signal?: AbortSignal;
}

/** One API call; `path` is relative to `/api/v1`. */
export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: options.asText || options.asBlob ? "*/*" : "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | Blob | undefined;
  if (options.rawBody !== undefined) {
    payload = options.rawBody;
    headers["Content-Type"] = options.contentType ?? "text/plain";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(API_BASE + path, { method, headers, body: payload, signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "", null);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && token && unauthorizedHandler) unauthorizedHandler();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  if (options.asText) return (await response.text()) as T;
  if (options.asBlob) return (await response.blob()) as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("POST", path, body ?? {}, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>("PUT", path, body, options),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: (path: string) => request<void>("DELETE", path),
};

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Downloads `path` with the bearer token (fetch + Blob) and saves it as `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await request<Blob>("GET", path, undefined, { asBlob: true });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the URL after click() returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The words of any thrown value in the dashboard's language: for an API error its lead sentence
 * (by the stable error code, naming the field) and the server's detail. */
export function describeError(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  return t("error.generic");
}

/** The same as `describeError` (the older name, used across the pages). */
export const errorText = describeError;
