/**
 * The browser's scoring record: a split export's combined graph (hundreds of MB) is only needed
 * for its logit constants, which its structure holds. Like the Node hub resolver, the browser
 * reads that structure with HTTP Range requests (core's `readAheadSource` + `scanGraph`) and keeps
 * the constants as `<graph>.clipkit-scoring.json` in the Cache API, next to the files it caches,
 * so an offline reload finds them. Anything that stops the scan (a server or CORS set-up without
 * Range, a graph whose constants need running it, a scan over its byte budget, a failed request)
 * answers `undefined`: the load then downloads the graph as before.
 */
import {
  formatScoringRecord,
  logitConstants,
  parseScoringRecord,
  readAheadSource,
  scanBudget,
  scanGraph,
  scoringRecordFromScan,
  scoringRecordPath,
} from "@clipkit/core";
import type { CacheStorageLike } from "../files/url-files.js";

type OpenCache = Awaited<ReturnType<CacheStorageLike["open"]>>;

/** The combined graph to read and where its record goes. */
export interface WebScoringScan {
  /** URL of the folder (`…/resolve/<commit>/`), ending in `/`. */
  readonly base: string;
  readonly commit: string;
  /** Repo path of the combined graph, e.g. `"onnx/model.onnx"`. */
  readonly graph: string;
  /** Its size from the repo listing. */
  readonly size: number;
  readonly modelType: "clip" | "siglip";
  readonly fetch: typeof fetch;
  readonly cache: OpenCache | undefined;
  readonly offline: boolean;
}

/** Bytes of `url` in one Range request, `"ignored"` for a whole-file answer. Throws on HTTP errors. */
async function fetchRange(
  doFetch: typeof fetch,
  url: string,
  offset: number,
  length: number,
): Promise<Uint8Array | "ignored"> {
  const res = await doFetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
  if (res.status !== 206) {
    await res.body?.cancel();
    if (res.ok) return "ignored";
    throw new Error(`HTTP ${res.status} for a range of ${url}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A proxy may answer a different range; only exactly what was asked for is usable.
  if (
    bytes.length !== length ||
    !(res.headers.get("Content-Range") ?? `bytes ${offset}-`).startsWith(`bytes ${offset}-`)
  ) {
    return "ignored";
  }
  return bytes;
}

/**
 * The record's text for `scan.graph` at `scan.commit`: from the Cache API when a valid one is
 * there, else read over Range and cached (not offline). `undefined` when the constants cannot be
 * read this way; never throws (the download path reports its own failures in full).
 */
export async function webScoringRecord(scan: WebScoringScan): Promise<string | undefined> {
  const url = `${scan.base}${scoringRecordPath(scan.graph)}`;
  const expected = { graph: scan.graph, commit: scan.commit };
  try {
    const hit = await scan.cache?.match(url);
    if (hit) {
      const text = await hit.text();
      if (parseScoringRecord(text, expected)) return text;
    }
    if (scan.offline) return undefined;
    const graphUrl = `${scan.base}${scan.graph}`;
    const source = readAheadSource(
      (offset, length) => fetchRange(scan.fetch, graphUrl, offset, length),
      scan.size,
      scanBudget(scan.size),
    );
    const record = scoringRecordFromScan(logitConstants(await scanGraph(source, graphUrl)), {
      ...expected,
      modelType: scan.modelType,
      size: scan.size,
      label: graphUrl,
    });
    if (!record) return undefined;
    const text = formatScoringRecord(record);
    await scan.cache?.put(url, new Response(text, { headers: { "Content-Type": "application/json" } }));
    return text;
  } catch {
    return undefined;
  }
}
