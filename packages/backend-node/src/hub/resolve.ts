/**
 * Hub ids → folders in the shared hub cache. A path that exists wins; an `owner/name[@revision]`
 * is looked up in the cache first (no request when the snapshot already holds what the load needs)
 * and downloaded otherwise: revision → commit once, then only the selected files, into
 * `snapshots/<that commit>/`. A split export's combined graph, wanted only for its logit
 * constants, is read over Range requests and recorded (`<graph>.clipkit-scoring.json`) instead.
 */
import { stat } from "node:fs/promises";
import { join, resolve as resolvePath } from "node:path";
import {
  ClipkitError,
  type HubSelection,
  isClipkitError,
  isCommitHash,
  isMissingFiles,
  type ModelFiles,
  parseHubModelRef,
  planModelFiles,
  recordedExternalData,
  requireHubModelRef,
  selectModelFiles,
} from "@clipkit/core";
import { type ListFileEntry, listFiles, modelInfo } from "@huggingface/hub";
import { nodeFiles } from "../files/node-files.js";
import { hubCacheDir, readRef, repoFolder, within, writeRef } from "./cache.js";
import { downloadFile, withRetries } from "./download.js";
import { type HubOptions, type ResolvedHubOptions, resolveHubOptions } from "./options.js";
import { recordScoring } from "./remote-scoring.js";

/** Options of {@link downloadModel} / {@link resolveModelSource}. */
export interface DownloadModelOptions extends HubOptions, HubSelection {}

/** A model present in the cache. */
export interface HubModel {
  /** `owner/name`. */
  readonly repo: string;
  /** The revision asked for (`"main"` by default). */
  readonly revision: string;
  /** The commit it resolved to (the snapshot folder's name). */
  readonly commit: string;
  /** `<cache>/models--owner--name/snapshots/<commit>`: pass it to any loader. */
  readonly dir: string;
  /**
   * Repo paths of the selected files, all present under `dir`; for a split export whose combined
   * graph was scanned over Range rather than downloaded, `<graph>.clipkit-scoring.json` (written by
   * clipkit, not a repo file) stands in for the graph.
   */
  readonly files: readonly string[];
  /** True when the cache already held everything and no request was made. */
  readonly fromCache: boolean;
}

/** Graphs' recorded external-data files not yet in `files` (exports that do not follow the name convention). */
async function unlistedExternalData(local: ModelFiles, files: readonly string[]): Promise<string[]> {
  const extra: string[] = [];
  for (const g of files.filter((f) => f.endsWith(".onnx"))) {
    for (const p of await recordedExternalData(local, g))
      if (!files.includes(p) && !extra.includes(p)) extra.push(p);
  }
  return extra;
}

async function fromSnapshot(dir: string, selection: HubSelection): Promise<string[] | undefined> {
  try {
    const local = nodeFiles(dir);
    const files = await selectModelFiles(local, selection);
    const extra = await unlistedExternalData(local, files);
    for (const p of extra) if (!(await local.exists(p))) return undefined;
    return [...files, ...extra];
  } catch (error) {
    if (isMissingFiles(error)) return undefined;
    throw error;
  }
}

function listingFiles(
  location: string,
  listing: ReadonlyMap<string, ListFileEntry>,
  read: (path: string) => Promise<Uint8Array>,
): ModelFiles {
  return {
    location,
    exists: async (path) => listing.has(path),
    read,
    readText: async (path) => new TextDecoder().decode(await read(path)),
  };
}

/**
 * Makes the files a load of `id` needs present in the hub cache and returns their snapshot folder.
 * `id` is `owner/name[@revision]`; `options.revision` overrides the `@revision`.
 *
 * A split export's combined graph, wanted only for its logit constants, is read with HTTP Range
 * requests and recorded (see `ScoringRecord`); it is downloaded when that fails.
 *
 * Throws `INVALID_ARGUMENT` (malformed id), `NOT_FOUND` (no such repo/revision), `HUB_AUTH_REQUIRED`
 * (gated/private: HTTP 401/403), `MODEL_FILE_MISSING` (the dtype's graphs are not in the repo, or
 * offline and not cached: `details.offline`), `DOWNLOAD_FAILED` (network/5xx after retries),
 * `CHECKSUM_MISMATCH` (an LFS file whose sha256 differs from its linked ETag), `ABORTED`.
 */
export async function downloadModel(id: string, options: DownloadModelOptions = {}): Promise<HubModel> {
  const ref = requireHubModelRef(id, options.revision);
  const { revision } = ref;
  const o = resolveHubOptions(options);
  const cache = hubCacheDir(o.cacheDir);
  const folder = repoFolder(cache, ref.repo);
  const snapshot = (commit: string) => within(join(folder, "snapshots"), commit);
  const known = isCommitHash(revision)
    ? revision
    : o.refresh && !o.offline
      ? undefined
      : await readRef(folder, revision);
  if (known) {
    const files = await fromSnapshot(snapshot(known), options);
    if (files)
      return { repo: ref.repo, revision, commit: known, dir: snapshot(known), files, fromCache: true };
  }
  if (o.offline) {
    throw new ClipkitError(
      "MODEL_FILE_MISSING",
      `${ref.repo}@${revision}: offline (HF_HUB_OFFLINE or the offline option) and ${known ? `the cached snapshot ${snapshot(known)} lacks files this load needs` : `${folder} has no snapshot for this revision`}`,
      { details: { repo: ref.repo, revision, cache: folder, offline: true } },
    );
  }
  return fetchModel(ref.repo, revision, cache, o, options);
}

async function fetchModel(
  repo: string,
  revision: string,
  cache: string,
  o: ResolvedHubOptions,
  selection: HubSelection,
): Promise<HubModel> {
  const ctx = { repo, revision };
  const credentials = {
    hubUrl: o.endpoint,
    ...(o.token ? { accessToken: o.token } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  // Python stores every file of a revision under snapshots/<the revision's commit>: resolve it once.
  const info = await withRetries(o, ctx, () =>
    modelInfo({ name: repo, revision, additionalFields: ["sha"], ...credentials }),
  );
  const commit = info.sha;
  if (typeof commit !== "string" || !isCommitHash(commit)) {
    throw new ClipkitError("DOWNLOAD_FAILED", `${repo}@${revision}: the hub sent no commit id`, {
      details: ctx,
    });
  }
  const folder = repoFolder(cache, repo);
  if (!isCommitHash(revision)) await writeRef(folder, revision, commit);
  const listing = await withRetries(o, ctx, async () => {
    const map = new Map<string, ListFileEntry>();
    for await (const e of listFiles({
      repo: { type: "model", name: repo },
      revision: commit,
      recursive: true,
      ...credentials,
    })) {
      if (e.type === "file") map.set(e.path, e);
    }
    return map;
  });
  const get = (path: string, onBytes?: (bytes: number, total: number) => void) =>
    downloadFile({
      cache,
      repo,
      revision,
      commit,
      path,
      lfsSha256: listing.get(path)?.lfs?.oid,
      options: o,
      ...(onBytes ? { onBytes } : {}),
    });
  const snapshotDir = within(join(folder, "snapshots"), commit);
  // The selection reads config.json (model type): fetch it into the snapshot, read it from there.
  const readVia = async (path: string) => {
    await get(path);
    return nodeFiles(snapshotDir).read(path);
  };
  const plan = await planModelFiles(
    listingFiles(`${o.endpoint}/${repo}@${revision}`, listing, readVia),
    selection,
  );
  let files = plan.files;
  // A combined graph wanted only for its logit constants: read them over Range requests and
  // record them, rather than download the graph (falls back to the download when that fails).
  let record: string | undefined;
  if (plan.calibration) {
    const { graph, modelType } = plan.calibration;
    const entry = listing.get(graph);
    record = await recordScoring({
      repo,
      revision,
      commit,
      snapshotDir,
      graph,
      modelType,
      etag: entry?.lfs?.oid ?? entry?.oid,
      options: o,
    });
    const skipped = plan.calibration.files;
    if (record) files = files.filter((f) => !skipped.includes(f));
  }
  const sizes = files.map((f) => listing.get(f)?.lfs?.size ?? listing.get(f)?.size ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [i, file] of files.entries()) {
    await get(file, (bytes, fileTotal) =>
      o.onProgress?.({
        file,
        fileBytes: bytes,
        fileTotal,
        bytes: before + bytes,
        total,
        filesDone: bytes === fileTotal ? i + 1 : i,
        filesTotal: files.length,
      }),
    );
    before += sizes[i] ?? 0;
    o.onProgress?.({
      file,
      fileBytes: sizes[i] ?? 0,
      fileTotal: sizes[i] ?? 0,
      bytes: before,
      total,
      filesDone: i + 1,
      filesTotal: files.length,
    });
  }
  // Weights under names only the graph records (torch's `X.onnx.data`, `weights/…`): read each
  // downloaded graph's records and fetch what it names, as the loader will read it.
  const extra = (await unlistedExternalData(nodeFiles(snapshotDir), files)).filter((p) => listing.has(p));
  for (const p of extra) await get(p);
  files.push(...extra, ...(record ? [record] : []));
  return { repo, revision, commit, dir: snapshotDir, files, fromCache: false };
}

/**
 * What every loader calls first: `source` as a path when it exists, else as a hub id
 * ({@link downloadModel}); returns the folder to open. Throws `MODEL_FILE_MISSING` naming both
 * readings when `source` is neither an existing path nor a repo id.
 */
export async function resolveModelSource(
  source: string,
  options: DownloadModelOptions = {},
): Promise<string> {
  const path = resolvePath(source);
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return source;
  if (!parseHubModelRef(source)) {
    throw new ClipkitError(
      "MODEL_FILE_MISSING",
      `model "${source}" is neither an existing path (looked for ${path}) nor a hub repo id (owner/name[@revision])`,
      { details: { argument: "model", value: source, path } },
    );
  }
  try {
    return (await downloadModel(source, options)).dir;
  } catch (error) {
    if (isClipkitError(error, "NOT_FOUND")) {
      throw new ClipkitError(
        "NOT_FOUND",
        `model "${source}": no such path (looked for ${path}), and ${error.message}`,
        {
          cause: error,
          details: { ...error.details, path },
        },
      );
    }
    throw error;
  }
}
