/**
 * Short content hash of model bytes for {@link EmbeddingSpace.id}: SHA-256 (Web Crypto, present in
 * Node ≥ 20 and browsers) truncated to 12 hex digits. Two folders with identical graphs share an
 * id; a different dtype or a re-export gets a new one, because their vectors are not guaranteed to
 * be interchangeable.
 */
export async function contentHash(parts: readonly Uint8Array[]): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const digests: Uint8Array[] = [];
    for (const p of parts)
      digests.push(new Uint8Array(await subtle.digest("SHA-256", p as Uint8Array<ArrayBuffer>)));
    const joined = new Uint8Array(digests.length * 32);
    for (const [i, d] of digests.entries()) joined.set(d, i * 32);
    const final = new Uint8Array(await subtle.digest("SHA-256", joined));
    return hex(final).slice(0, 12);
  }
  // Insecure contexts lack Web Crypto: FNV-1a 64 keeps ids stable there (ids differ from SHA ones).
  let h = 0xcbf29ce484222325n;
  for (const p of parts) {
    for (const b of p) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `f${h.toString(16).padStart(16, "0").slice(0, 11)}`;
}

const SAMPLES = 256;
const SAMPLE_BYTES = 16 * 1024;

/**
 * Cheap, stable fingerprint of model files for {@link EmbeddingSpace.id}: SHA-256 over each
 * file's size and 256 evenly spaced 16 KiB samples (the whole file when it is under 4 MiB),
 * truncated to 12 hex digits. Reads at most 4 MiB per file, through ranged reads, so a 600 MB
 * model is fingerprinted in milliseconds without holding its weights. Stable across loads and
 * backends (the same sampling over in-memory bytes gives the same id); different trainings,
 * fine-tunes, exports and dtypes differ in size or in nearly every sampled block. A change that
 * touches less than one 1.4 MB stretch of a 350 MB graph may go unnoticed: pass `spaceId` when
 * such edits must be told apart. Ids differ from the full-content {@link contentHash} clipkit
 * used before; an index built with those reports `SPACE_MISMATCH` naming both ids. `sha256`, when
 * given (a backend's native `Backend.sha256`), computes the same digest faster than Web Crypto.
 */
export async function sampledFingerprint(
  files: ReadonlyArray<{ size: number; read(offset: number, length: number): Promise<Uint8Array> }>,
  sha256?: (parts: readonly Uint8Array[]) => Uint8Array | Promise<Uint8Array>,
): Promise<string> {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    const size = new Uint8Array(8);
    new DataView(size.buffer).setBigUint64(0, BigInt(f.size), true);
    parts.push(size);
    if (f.size <= SAMPLES * SAMPLE_BYTES) {
      parts.push(await f.read(0, f.size));
      continue;
    }
    const step = (f.size - SAMPLE_BYTES) / (SAMPLES - 1);
    for (let i = 0; i < SAMPLES; i++) parts.push(await f.read(Math.floor(i * step), SAMPLE_BYTES));
  }
  // contentHash([joined]) is SHA-256(SHA-256(joined)): a native hash gives the same digest from
  // the parts as they are, without joining them (see Backend.sha256).
  if (sha256) return hex(await sha256([await sha256(parts)])).slice(0, 12);
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return contentHash([joined]);
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** `"<name_or_path>@<hash>"`, or `"<modelType>@<hash>"` when the config has no name. */
export function spaceId(name: string | undefined, modelType: string, hash: string): string {
  return `${name ?? modelType}@${hash}`;
}
