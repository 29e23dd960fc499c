/** Maps `@huggingface/hub` and network failures onto `ClipkitError` codes, the original kept as `cause`. */
import { ClipkitError, isClipkitError } from "@clipkit/core";
import { HubApiError } from "@huggingface/hub";

/** Where a failure happened, for the message. */
export interface HubErrorContext {
  readonly repo: string;
  readonly revision: string;
  readonly file?: string;
}

/** True for failures worth retrying: 5xx, 429, dropped connections, stalls. */
export function isTransient(error: unknown): boolean {
  if (isClipkitError(error)) return error.code === "DOWNLOAD_FAILED" && error.details.transient === true;
  if (error instanceof HubApiError) return error.statusCode >= 500 || error.statusCode === 429;
  return error instanceof Error && error.name !== "AbortError";
}

/**
 * 401/403 → `HUB_AUTH_REQUIRED` (accept the licence or pass a token), 404 → `NOT_FOUND` (repo or
 * revision) or `MODEL_FILE_MISSING` (a file), anything else → `DOWNLOAD_FAILED`. Messages name
 * the repo, revision and file, never the token.
 */
export function hubError(error: unknown, ctx: HubErrorContext): ClipkitError {
  if (isClipkitError(error)) return error;
  const where = `${ctx.repo}@${ctx.revision}${ctx.file ? `: ${ctx.file}` : ""}`;
  const details = { repo: ctx.repo, revision: ctx.revision, ...(ctx.file ? { file: ctx.file } : {}) };
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    // The hub answers 401 for unknown repos without a token, so as not to reveal private names.
    if (status === 401 && /repository not found/i.test(error.message)) {
      return new ClipkitError(
        "NOT_FOUND",
        `${where}: no such repo on the hub (or a private one: pass a token with HF_TOKEN or the token option)`,
        { cause: error, details: { ...details, status } },
      );
    }
    if (status === 401 || status === 403) {
      return new ClipkitError(
        "HUB_AUTH_REQUIRED",
        `${where}: the hub refused access (HTTP ${status}). The repo is gated or private: accept its licence on the hub page and pass a token (HF_TOKEN or the token option)`,
        { cause: error, details: { ...details, status } },
      );
    }
    if (status === 404) {
      return ctx.file
        ? new ClipkitError("MODEL_FILE_MISSING", `${where} is not in the repo`, {
            cause: error,
            details: { ...details, status },
          })
        : new ClipkitError("NOT_FOUND", `${where}: no such repo or revision on the hub`, {
            cause: error,
            details: { ...details, status },
          });
    }
    return new ClipkitError("DOWNLOAD_FAILED", `${where}: the hub answered HTTP ${status}`, {
      cause: error,
      details: { ...details, status, transient: status >= 500 || status === 429 },
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new ClipkitError("ABORTED", `${where}: download aborted`, { cause: error, details });
  }
  // undici's "fetch failed" hides the reason (DNS, refused, reset) in `cause`.
  const inner = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  const reason = error instanceof Error ? `${error.message}${inner}` : String(error);
  return new ClipkitError(
    "DOWNLOAD_FAILED",
    `${where}: ${reason} (no network? HF_HUB_OFFLINE=1 uses only the cache; HF_ENDPOINT sets a mirror)`,
    {
      cause: error,
      details: { ...details, transient: true },
    },
  );
}
