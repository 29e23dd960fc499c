/** Options of the browser hub loader: endpoint, mirror URL templates, token, Cache API, offline, progress. */
import type { HubProgress, HubSelection } from "@clipkit/core";
import type { CacheStorageLike } from "../files/url-files.js";

/** How to reach the hub (or a mirror) from a browser. */
export interface WebHubOptions {
  /** Hub base URL (default `"https://huggingface.co"`). */
  endpoint?: string;
  /**
   * URL of one file, ending in `{path}`; placeholders `{endpoint}`, `{repo}`, `{revision}`, `{path}`.
   * Default `"{endpoint}/{repo}/resolve/{revision}/{path}"`; a static mirror might use
   * `"https://models.example.com/{repo}/{revision}/{path}"`.
   */
  fileUrl?: string;
  /**
   * Hub API base for the revision → commit lookup and the file listing
   * (`{api}/{repo}/revision/{revision}`, `{api}/{repo}/tree/{commit}?recursive=true`).
   * Default `"{endpoint}/api/models"`. `false` for a static mirror: the revision is used as
   * given and files are probed with `HEAD` (no overall total in progress events).
   */
  api?: string | false;
  /** Branch, tag or commit; overrides an `@revision` in the id (default `"main"`). */
  revision?: string;
  /** Access token for gated/private repos, sent as `Authorization: Bearer …` (never logged). */
  token?: string;
  /** Cache API name, `true` for `"clipkit-models"` (the default), `false` to fetch every time. */
  cache?: boolean | string;
  /** Read only from the Cache API; a file never fetched fails with `MODEL_FILE_MISSING` (`details.offline`). */
  offline?: boolean;
  /** Called as bytes arrive (`total` is 0 when the mirror has no listing). */
  onProgress?: (progress: HubProgress) => void;
  /** Custom fetch. */
  fetch?: typeof fetch;
  /** Custom Cache API (default `globalThis.caches`). */
  caches?: CacheStorageLike;
}

/** {@link WebHubOptions} plus what the load needs, which decides the files. */
export interface WebHubFilesOptions extends WebHubOptions, HubSelection {}

/** Fills `{endpoint}`, `{repo}`, `{revision}` (URL-encoded) in a template. */
export function fillTemplate(
  template: string,
  values: { endpoint: string; repo: string; revision: string },
): string {
  return template
    .replaceAll("{endpoint}", values.endpoint)
    .replaceAll("{repo}", values.repo)
    .replaceAll("{revision}", encodeURIComponent(values.revision));
}
