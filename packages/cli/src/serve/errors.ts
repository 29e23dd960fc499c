import type { ClipkitErrorCode } from "@clipkit/core";
import { isClipkitError } from "@clipkit/core";
import { LimitError } from "./limiter.js";

/** Codes the server adds to {@link ClipkitErrorCode} for HTTP-level refusals. */
export type HttpErrorCode =
  | "UNAUTHORIZED"
  | "ROUTE_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "OVERLOADED"
  | "TIMEOUT"
  | "SHUTTING_DOWN"
  | "VLM_NOT_LOADED"
  | "CLIENT_CLOSED_REQUEST"
  | "INTERNAL";

/** The body of every error response: `{ error: { code, message } }`. */
export interface ErrorBody {
  error: { code: ClipkitErrorCode | HttpErrorCode; message: string };
}

/** HTTP status per `ClipkitError` code: the caller's fault is 4xx, ours or the machine's 5xx. */
const STATUS: Partial<Record<ClipkitErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  ZERO_VECTOR: 400,
  NOT_NORMALIZED: 400,
  NON_FINITE: 400,
  SHAPE_MISMATCH: 400,
  SPACE_MISMATCH: 400,
  DTYPE_MISMATCH: 400,
  PROMPT_INVALID: 400,
  TOKENIZER_INVALID: 400,
  IMAGE_DECODE_FAILED: 422,
  IMAGE_INVALID: 422,
  IMAGE_TOO_LARGE: 413,
  NOT_FOUND: 404,
  DUPLICATE_ID: 409,
  INDEX_LOCKED: 409,
  BACKEND_UNAVAILABLE: 503,
  ABORTED: 503,
};

const LIMIT_STATUS: Record<LimitError["reason"], number> = {
  OVERLOADED: 503,
  SHUTTING_DOWN: 503,
  TIMEOUT: 504,
};

/**
 * nginx's status for a request whose client hung up: nobody reads the answer, but the metrics
 * and the log must not count the client's departure as a server failure (500 with a stack).
 */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Whether `error` comes from the client closing its connection mid-request: the request's
 * signal aborted (`@hono/node-server` aborts it when the socket closes first), or Node's own
 * `aborted` reset of the incoming body stream (which may reach the reader before the signal).
 */
export function isClientAbort(error: unknown, requestAborted: boolean): boolean {
  if (requestAborted) return true;
  return (
    error instanceof Error &&
    error.message === "aborted" &&
    (error as NodeJS.ErrnoException).code === "ECONNRESET"
  );
}

/** A refusal raised by the HTTP layer itself (auth, size, media type, unknown route). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode | ClipkitErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Maps anything thrown by a handler to a status and typed body. Unknown errors are 500 with a
 * generic message (the stack goes to the log, not to the client).
 */
export function toErrorResponse(
  error: unknown,
  requestAborted = false,
): { status: number; body: ErrorBody; internal: boolean } {
  if (isClientAbort(error, requestAborted))
    return {
      status: CLIENT_CLOSED_REQUEST,
      body: {
        error: {
          code: "CLIENT_CLOSED_REQUEST",
          message: "the client closed the connection before the request was answered",
        },
      },
      internal: false,
    };
  if (error instanceof HttpError)
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message } },
      internal: false,
    };
  if (error instanceof LimitError)
    return {
      status: LIMIT_STATUS[error.reason],
      body: { error: { code: error.reason, message: error.message } },
      internal: false,
    };
  if (isClipkitError(error)) {
    const status = STATUS[error.code] ?? 500;
    // A request carries one image, as the field `image`: the library's batch position and
    // `<bytes>` name say nothing to the client.
    const message = error.message.replace(/^images\[\d+\]: (?:<bytes>: )?/, "image: ");
    return {
      status,
      body: { error: { code: error.code, message } },
      internal: status === 500,
    };
  }
  return {
    status: 500,
    body: { error: { code: "INTERNAL", message: "internal server error" } },
    internal: true,
  };
}
