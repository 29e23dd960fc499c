/**
 * Hub model references: `owner/name[@revision]`, validated before anything touches the network
 * or the cache (the repo id becomes a folder name, the revision a file under `refs/`).
 */
import { ClipkitError } from "../errors.js";

/** A parsed `owner/name[@revision]`. */
export interface HubModelRef {
  /** `owner/name`. */
  readonly repo: string;
  /** Branch, tag or commit; `undefined` when the string named none (then `"main"`). */
  readonly revision: string | undefined;
}

// huggingface_hub's `validate_repo_id`, restricted to the namespaced form: a bare `name` is
// indistinguishable from a relative path, so clipkit requires `owner/name`.
const PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/** True for a 40-hex-digit commit id (the only revisions that never need resolving). */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/**
 * Parses `owner/name[@revision]`, or returns `undefined` when `text` is not shaped like a repo id.
 * Throws `INVALID_ARGUMENT` for a well-formed id with an unsafe revision (`..`, absolute, control
 * characters), since the revision names a file in the cache.
 */
export function parseHubModelRef(text: string): HubModelRef | undefined {
  const at = text.indexOf("@");
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  const parts = repo.split("/");
  if (parts.length !== 2 || !parts.every((p) => PART.test(p) && !p.includes("--") && !p.includes(".."))) {
    return undefined;
  }
  if (revision !== undefined) checkRevision(revision);
  return { repo, revision };
}

/**
 * The repo and revision a hub load of `id` asks for, shared by the Node and browser resolvers:
 * `revision` (the caller's option) over `id`'s `@revision` over `"main"`. Throws
 * `INVALID_ARGUMENT` when `id` is not `owner/name[@revision]` or the revision is unsafe.
 */
export function requireHubModelRef(
  id: string,
  revision?: string,
): { readonly repo: string; readonly revision: string } {
  const ref = parseHubModelRef(id);
  if (!ref) {
    throw new ClipkitError("INVALID_ARGUMENT", `"${id}" is not a hub repo id (owner/name[@revision])`, {
      details: { argument: "model", value: id },
    });
  }
  const chosen = revision ?? ref.revision ?? "main";
  checkRevision(chosen);
  return { repo: ref.repo, revision: chosen };
}

/** Throws `INVALID_ARGUMENT` unless `revision` is safe to use as a relative path under `refs/`. */
export function checkRevision(revision: string): void {
  const segments = revision.split("/");
  const bad =
    revision.length === 0 ||
    revision.length > 255 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\\\u0000-\u001f:*?"<>|]/.test(revision) ||
    segments.some((s) => s === "" || s === "." || s === "..");
  if (bad) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `"${revision}" is not a valid revision (branch, tag or commit)`,
      {
        details: { argument: "revision", revision },
      },
    );
  }
}
