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

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** `"<name_or_path>@<hash>"`, or `"<modelType>@<hash>"` when the config has no name. */
export function spaceId(name: string | undefined, modelType: string, hash: string): string {
  return `${name ?? modelType}@${hash}`;
}
