/**
 * Reads a remote combined graph's logit constants from its structure with HTTP Range requests, so
 * a split load records them (`<graph>.clipkit-scoring.json`, see core's `ScoringRecord`) instead
 * of downloading hundreds of MB it would only scan. `scanGraph` skips weight blobs by their length
 * prefix; core's `readAheadSource` adds read-ahead for the stretches it reads in order (the
 * node list), so a ViT-B/32 graph costs about one request per large weight plus a few for the
 * nodes. A server that ignores Range, a graph whose constants need running it, or a scan that
 * would read more than its byte budget all answer `undefined`: the caller downloads the graph.
 */
import { lstat, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import {
  ClipkitError,
  formatScoringRecord,
  isClipkitError,
  logitConstants,
  readAheadSource,
  readScoringRecord,
  scanBudget,
  scanGraph,
  scoringRecordFromScan,
  scoringRecordPath,
} from "@clipkit/core";
import { fileDownloadInfo } from "@huggingface/hub";
import { writeFileAtomic } from "../files/atomic.js";
import { nodeFiles } from "../files/node-files.js";
import { normalizeEtag, within } from "./cache.js";
import { withRetries } from "./download.js";
import type { HubErrorContext } from "./errors.js";
import type { ResolvedHubOptions } from "./options.js";
import { type RangeRequest, readRange } from "./transfer.js";

/** One graph to record. */
export interface ScoringScan {
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  /** The snapshot folder the record goes into. */
  readonly snapshotDir: string;
  /** Repo path of the combined graph. */
  readonly graph: string;
  readonly modelType: "clip" | "siglip";
  /** The listing's LFS sha256 or git blob id. */
  readonly etag?: string | undefined;
  readonly options: ResolvedHubOptions;
}

/** The graph's constants read over Range (`undefined` constants: not readable from structure). */
async function scanRemote(s: ScoringScan) {
  const o = s.options;
  const ctx: HubErrorContext = { repo: s.repo, revision: s.revision, file: s.graph };
  const info = await withRetries(o, ctx, () =>
    fileDownloadInfo({
      repo: { type: "model", name: s.repo },
      path: s.graph,
      revision: s.commit,
      hubUrl: o.endpoint,
      ...(o.token ? { accessToken: o.token } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
    }),
  );
  if (!info) return undefined;
  const req: RangeRequest = {
    url: info.url,
    token: o.token,
    stallTimeoutMs: o.stallTimeoutMs ?? 30_000,
    signal: o.signal,
    fetch: o.fetch ?? fetch,
  };
  const source = readAheadSource(
    (offset, length) => withRetries(o, ctx, () => readRange(req, offset, length)),
    info.size,
    scanBudget(info.size),
  );
  const label = `${o.endpoint}/${s.repo}/resolve/${s.commit}/${s.graph}`;
  return { constants: logitConstants(await scanGraph(source, label)), info, label };
}

/**
 * Makes `<graph>.clipkit-scoring.json` present in the snapshot and returns its repo path, or
 * `undefined` when the constants cannot be read this way (then download the graph: a server that
 * ignores Range, a graph that must run, a scan over budget, any failed request). A valid record
 * already there is reused without a request. Throws `ABORTED` (the signal) and `IO_FAILED` (the
 * record cannot be written).
 */
export async function recordScoring(s: ScoringScan): Promise<string | undefined> {
  const path = scoringRecordPath(s.graph);
  const pointer = within(s.snapshotDir, path);
  if (typeof (await readScoringRecord(nodeFiles(s.snapshotDir), s.graph)) === "object") return path;
  // Never replace a file the repo itself has under that name (linked from a blob).
  if (
    await lstat(pointer).then(
      (st) => st.isSymbolicLink(),
      () => false,
    )
  )
    return undefined;
  const o = s.options;
  let found: Awaited<ReturnType<typeof scanRemote>>;
  try {
    found = await scanRemote(s);
  } catch (error) {
    // Anything but an abort: the download decides (it reports its own failures in full).
    if (isClipkitError(error, "ABORTED")) throw error;
    if (o.signal?.aborted) throw new ClipkitError("ABORTED", `${s.repo}: download aborted`, { cause: error });
    return undefined;
  }
  if (!found) return undefined;
  const { constants, info, label } = found;
  // Only constants the loader will accept for this model type are recorded.
  const record = scoringRecordFromScan(constants, {
    modelType: s.modelType,
    graph: s.graph,
    commit: s.commit,
    etag: s.etag ? s.etag : normalizeEtag(info.etag),
    size: info.size,
    label,
  });
  if (!record) return undefined;
  await mkdir(dirname(pointer), { recursive: true });
  await writeFileAtomic(pointer, new TextEncoder().encode(formatScoringRecord(record)));
  return path;
}
