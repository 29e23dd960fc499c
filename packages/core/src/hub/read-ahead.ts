/**
 * Ranged reads of a remote file for a structure scan (`scanGraph`), shared by the Node and browser
 * hub loaders. HTTP requests cost far more than local reads, so the source keeps one block and
 * grows a read-ahead while the reads continue in file order (a graph's node list), and fetches
 * just what was asked after a jump (past a weight blob). A byte budget bounds what a scan may
 * fetch: past it, or when the server answers a Range with the whole file, the scan stops with
 * {@link ScanStopped} and the caller downloads the file instead.
 */
import type { RangeSource } from "../model/graph-scan.js";

/** Largest read-ahead for reads in file order. */
export const MAX_READ_AHEAD = 1024 * 1024;

/** Why a remote scan stopped early (the caller downloads instead). */
export class ScanStopped extends Error {
  override readonly name = "ScanStopped";
}

/**
 * Bytes `[offset, offset + length)` of the remote file in one request, or `"ignored"` when the
 * server sent the whole file instead (its body must be cancelled, not read).
 */
export type RangeFetch = (offset: number, length: number) => Promise<Uint8Array | "ignored">;

/** A {@link RangeSource} over HTTP, counting what it fetched. */
export interface RemoteRangeSource extends RangeSource {
  /** Requests made and bytes received so far. */
  readonly stats: { requests: number; bytes: number };
}

/**
 * The byte budget of a scan of a `size`-byte graph: 1/16 of it, at least 8 MiB. A ViT-B/32
 * combined graph (605 MB) scans in ~10 MB; a graph whose structure is a large share of its bytes
 * is cheaper to download.
 */
export function scanBudget(size: number): number {
  return Math.max(8 * 1024 * 1024, Math.ceil(size / 16));
}

/**
 * Reads of a `size`-byte remote file through `fetchRange` with one cached block: a read that
 * continues the block doubles the read-ahead (64 KiB up to {@link MAX_READ_AHEAD}), a jump
 * fetches just what was asked. Fetching more than `budget` bytes in all, or a server that ignores
 * Range, throws {@link ScanStopped}; `fetchRange`'s own errors pass through.
 */
export function readAheadSource(fetchRange: RangeFetch, size: number, budget: number): RemoteRangeSource {
  let block: { start: number; bytes: Uint8Array } = { start: 0, bytes: new Uint8Array(0) };
  let ahead = 0;
  const stats = { requests: 0, bytes: 0 };
  return {
    size,
    stats,
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      const blockEnd = block.start + block.bytes.length;
      if (offset >= block.start && end <= blockEnd) {
        return block.bytes.subarray(offset - block.start, end - block.start);
      }
      const sequential = block.bytes.length > 0 && offset >= block.start && offset <= blockEnd;
      ahead = sequential ? Math.min(MAX_READ_AHEAD, Math.max(2 * ahead, 64 * 1024)) : 0;
      const want = Math.min(size - offset, Math.max(end - offset, ahead));
      if (want <= 0) return new Uint8Array(0);
      if (stats.bytes + want > budget) throw new ScanStopped(`byte budget of ${budget} spent`);
      stats.requests++;
      const got = await fetchRange(offset, want);
      if (got === "ignored") throw new ScanStopped("the server ignores Range");
      stats.bytes += got.length;
      block = { start: offset, bytes: got };
      return got.subarray(0, end - offset);
    },
  };
}
