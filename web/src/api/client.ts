// The API client: `fetch` with the bearer token, and the server's error JSON turned into words.
//
// Every error the server sends is `{"error": {"code", "message", "field"}}`; callers get an
// `ApiError` whose `message` is a sentence a person can read, never the raw JSON.

const TOKEN_KEY = "waflow.token";
export const API_BASE = "/api/v1";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An error from the API (or from reaching it), in words. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The field path the server named, e.g. `steps[2].text`. */
  readonly field: string | null;
  /** The server's message without the leading `field: ` it repeats. */
  readonly detail: string;

  constructor(status: number, code: string, message: string, field: string | null) {
    const detail = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
    super(describe(status, code, detail, field));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.detail = detail;
  }
}

/** A field path in words: `steps[2].text` → `step 3 › text`. */
export function fieldLabel(path: string): string {
  return path
    .replace(/^steps\[(\d+)\]/, (_, i: string) => `step ${Number(i) + 1}`)
    .replace(/\[(\d+)\]/g, (_, i: string) => ` ${Number(i) + 1}`)
    .split(".")
    .map((part) => part.replace(/_/g, " "))
    .join(" › ");
}

function describe(status: number, code: string, detail: string, field: string | null): string {
  if (status === 0) return "Cannot reach the waflow server. Check that it is running and try again.";
  if (status === 401) return detail ? `Not signed in: ${detail}` : "Your session has ended; please sign in again.";
  if (status >= 500 && code === "internal") return "The server had an internal error; the server log has the details.";
  const sentence = detail.charAt(0).toUpperCase() + detail.slice(1);
  return field ? `${fieldLabel(field)}: ${detail}` : sentence;
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
  const what = response.statusText || "an error";
  return new ApiError(response.status, "http", `the server answered ${response.status} (${what})`, null);
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

/** The words of any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return "Something went wrong.";
}
