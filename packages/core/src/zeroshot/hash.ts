import type { ClassPrompts } from "./prompts.js";

const encoder = new TextEncoder();

/**
 * 64-bit FNV-1a over bytes, as 16 hex digits. Computed as two independent 32-bit FNV-1a lanes
 * (different offset bases) so it needs neither BigInt nor node:crypto and runs the same in
 * browsers. It identifies content; it is not a cryptographic digest.
 */
export function fnv1a64(bytes: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes[i]!;
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x01000193);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * Hash of exactly which texts built each class, in order. Two heads with the same hash on the same
 * model space hold the same weights, so a cached head can be reused without re-encoding.
 */
export function promptsHash(classes: readonly ClassPrompts[]): string {
  const canonical = JSON.stringify(classes.map((c) => [c.label, c.prompts]));
  return fnv1a64(encoder.encode(canonical));
}
