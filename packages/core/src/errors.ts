/**
 * Stable error codes. Callers branch on `code`, never on message text; codes are never renamed.
 */
export type ClipkitErrorCode =
  | "INVALID_ARGUMENT"
  | "ZERO_VECTOR"
  | "NOT_NORMALIZED"
  | "NON_FINITE"
  | "SHAPE_MISMATCH"
  | "SPACE_MISMATCH"
  | "DTYPE_MISMATCH"
  | "MODEL_FILE_MISSING"
  | "MODEL_CONFIG_INVALID"
  | "MODEL_TENSOR_MISSING"
  | "MODEL_LAYOUT_UNSUPPORTED"
  | "TOKENIZER_INVALID"
  | "IMAGE_DECODE_FAILED"
  | "IMAGE_TOO_LARGE"
  | "IMAGE_INVALID"
  | "BACKEND_UNAVAILABLE"
  | "INFERENCE_FAILED"
  | "INDEX_CORRUPT"
  | "INDEX_VERSION_UNSUPPORTED"
  | "INDEX_LOCKED"
  | "DUPLICATE_ID"
  | "NOT_FOUND"
  | "HEAD_CORRUPT"
  | "PROMPT_INVALID"
  | "GENERATION_FAILED"
  | "ABORTED"
  | "IO_FAILED"
  | "DATABASE_FAILED"
  | "HUB_AUTH_REQUIRED"
  | "DOWNLOAD_FAILED"
  | "CHECKSUM_MISMATCH";

export interface ClipkitErrorOptions {
  /** The underlying error, kept for debugging (like `DrizzleQueryError`). */
  cause?: unknown;
  /** Structured context: the file, tensor or argument at fault. */
  details?: Readonly<Record<string, unknown>>;
}

const BRAND = Symbol.for("clipkit.error");

/**
 * The one error type clipkit throws for bad input or failed operations.
 *
 * Use {@link isClipkitError} rather than `instanceof` when errors may cross package or realm
 * boundaries (two copies of `@clipkit/core` in one bundle, workers).
 */
export class ClipkitError extends Error {
  override readonly name = "ClipkitError";
  readonly code: ClipkitErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly [BRAND] = true;

  constructor(code: ClipkitErrorCode, message: string, options: ClipkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True for any `ClipkitError`, also one from another copy of this package. */
export function isClipkitError(value: unknown, code?: ClipkitErrorCode): value is ClipkitError {
  if (typeof value !== "object" || value === null) return false;
  const branded = (value as { [BRAND]?: unknown })[BRAND] === true;
  if (!branded) return false;
  return code === undefined || (value as ClipkitError).code === code;
}

/** Wraps an unknown failure as a `ClipkitError`, passing existing ones through unchanged. */
export function wrapError(
  error: unknown,
  code: ClipkitErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ClipkitError {
  if (isClipkitError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ClipkitError(code, `${message}: ${reason}`, { cause: error, details });
}
