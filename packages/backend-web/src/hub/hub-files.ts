/**
 * Hub ids in the browser: `owner/name[@revision]` → hub URLs read through {@link urlFiles} and the
 * Cache API, with core's file selection (only the dtype's graphs), overall progress, and offline
 * reads from the Cache API. The revision is resolved to its commit once (the answer is cached),
 * so every file of a load comes from one commit. A split export's combined graph, wanted only for
 * its logit constants, is read over Range instead of downloaded (see `webScoringRecord`).
 */
import {
  ClipkitError,
  type HubSelection,
  isClipkitError,
  isCommitHash,
  type ModelFiles,
  planModelFiles,
  requireHubModelRef,
  scoringRecordPath,
} from "@clipkit/core";
import { type CacheStorageLike, urlFiles } from "../files/url-files.js";
import { fillTemplate, type WebHubFilesOptions } from "./options.js";
import { webScoringRecord } from "./remote-scoring.js";
import { countingFetch, fetchJson } from "./requests.js";

const DEFAULT_FILE_URL = "{endpoint}/{repo}/resolve/{revision}/{path}";

/** A hub model's files plus what the selection decided. */
export interface WebHubFiles extends ModelFiles {
  readonly repo: string;
  readonly revision: string;
  /** The commit the revision resolved to (the revision itself without an API). */
  readonly commit: string;
  /** Files the load will read, when the repo listing was available. */
  readonly selected: readonly string[];
}

/**
 * Opens `id` (`owner/name[@revision]`) on the hub or a mirror as {@link ModelFiles}. Throws
 * `INVALID_ARGUMENT` (malformed id/template), `NOT_FOUND` (repo/revision), `HUB_AUTH_REQUIRED`
 * (401/403), `DOWNLOAD_FAILED`, `MODEL_FILE_MISSING` (dtype absent; offline and not cached).
 */
export async function webHubFiles(id: string, options: WebHubFilesOptions = {}): Promise<WebHubFiles> {
  const ref = requireHubModelRef(id, options.revision);
  const { revision } = ref;
  const endpoint = (options.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
  const template = options.fileUrl ?? DEFAULT_FILE_URL;
  if (!template.endsWith("{path}")) {
    throw new ClipkitError("INVALID_ARGUMENT", `fileUrl must end with {path}, got "${template}"`, {
      details: { argument: "fileUrl" },
    });
  }
  const cacheName =
    options.cache === false
      ? undefined
      : options.cache === true || options.cache === undefined
        ? "clipkit-models"
        : options.cache;
  const storage = options.caches ?? (globalThis as { caches?: CacheStorageLike }).caches;
  const cache = cacheName && storage ? await storage.open(cacheName) : undefined;
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const authed: typeof fetch = options.token
    ? (input, init) =>
        baseFetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${options.token}` },
        })
    : baseFetch;
  const ctx = { repo: ref.repo, revision, offline: options.offline === true, cache, fetch: authed };
  const api =
    options.api === false
      ? undefined
      : fillTemplate(options.api ?? "{endpoint}/api/models", { endpoint, repo: ref.repo, revision });
  let commit = revision;
  let listing: Map<string, number> | undefined;
  if (api) {
    if (!isCommitHash(revision)) {
      const info = (await fetchJson(`${api}/${ref.repo}/revision/${encodeURIComponent(revision)}`, ctx)) as {
        sha?: unknown;
      };
      if (typeof info.sha !== "string" || !isCommitHash(info.sha)) {
        throw new ClipkitError("DOWNLOAD_FAILED", `${ref.repo}@${revision}: the hub sent no commit id`, {
          details: { repo: ref.repo, revision },
        });
      }
      commit = info.sha;
    }
    const tree = (await fetchJson(`${api}/${ref.repo}/tree/${commit}?recursive=true`, ctx)) as {
      type: string;
      path: string;
      size: number;
      lfs?: { size: number };
    }[];
    listing = new Map(tree.filter((e) => e.type === "file").map((e) => [e.path, e.lfs?.size ?? e.size]));
  }
  const base = fillTemplate(template.slice(0, -"{path}".length), {
    endpoint,
    repo: ref.repo,
    revision: commit,
  });
  const progress = { selected: [] as string[], total: 0, bytes: new Map<string, number>() };
  const report = (url: string, bytes: number, total: number) => {
    const file = url.startsWith(base) ? decodeURI(url.slice(base.length)) : url;
    progress.bytes.set(file, bytes);
    let sum = 0;
    for (const b of progress.bytes.values()) sum += b;
    const sizes = progress.selected.map((f) => listing?.get(f) ?? 0);
    const done = progress.selected.filter((f, i) => (progress.bytes.get(f) ?? -1) >= sizes[i]!).length;
    options.onProgress?.({
      file,
      fileBytes: bytes,
      fileTotal: listing?.get(file) ?? total,
      bytes: sum,
      total: progress.total,
      filesDone: done,
      filesTotal: progress.selected.length,
    });
  };
  const offlineFetch: typeof fetch = async (input) => {
    throw new ClipkitError("MODEL_FILE_MISSING", `offline and not in the Cache API: ${String(input)}`, {
      details: { offline: true },
    });
  };
  const http = urlFiles(base, {
    cache: cacheName ?? false,
    ...(storage ? { caches: storage } : {}),
    fetch: options.offline ? offlineFetch : countingFetch(authed, report),
  });
  // A split export's combined graph read over Range for its logit constants: its record stands in
  // for the graph (`virtual`) and the graph's files are no longer listed (`hidden`).
  const virtual = new Map<string, Uint8Array>();
  const hidden = new Set<string>();
  const files: WebHubFiles = {
    location: `${base.replace(/\/$/, "")}`,
    repo: ref.repo,
    revision,
    commit,
    selected: progress.selected,
    exists: async (path) =>
      !hidden.has(path) && (virtual.has(path) || (listing ? listing.has(path) : http.exists(path))),
    async read(path) {
      const own = virtual.get(path);
      if (own) {
        // Already in hand: done for progress, with no bytes (the listing has no size for it).
        if (!progress.bytes.has(path)) report(`${base}${path}`, 0, 0);
        return own.slice();
      }
      try {
        const bytes = await http.read(path);
        if (!progress.bytes.has(path)) report(`${base}${path}`, bytes.byteLength, bytes.byteLength);
        return bytes;
      } catch (error) {
        if (options.offline && isClipkitError(error, "IO_FAILED")) {
          throw new ClipkitError(
            "MODEL_FILE_MISSING",
            `${ref.repo}@${revision}: offline and ${path} is not in the Cache API`,
            {
              cause: error,
              details: { repo: ref.repo, revision, file: path, offline: true },
            },
          );
        }
        throw error;
      }
    },
    async readText(path) {
      return new TextDecoder().decode(await this.read(path));
    },
  };
  if (listing) {
    let plan = await planModelFiles(files, options as HubSelection);
    const calibration = plan.calibration;
    // The record names its commit by the folder (`…/resolve/<commit>`): a mirror template that
    // puts something after the revision cannot hold one.
    if (calibration && files.location.split("/").at(-1) === commit) {
      const text = await webScoringRecord({
        base,
        commit,
        graph: calibration.graph,
        size: listing.get(calibration.graph) ?? 0,
        modelType: calibration.modelType,
        fetch: authed,
        cache,
        offline: options.offline === true,
      });
      if (text !== undefined) {
        virtual.set(scoringRecordPath(calibration.graph), new TextEncoder().encode(text));
        for (const f of calibration.files) hidden.add(f);
        plan = await planModelFiles(files, options as HubSelection);
      }
    }
    const selected = plan.files;
    progress.selected.push(...selected);
    progress.total = selected.reduce((n, f) => n + (listing.get(f) ?? 0), 0);
  }
  return files;
}
