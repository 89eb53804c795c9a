/**
 * 32-bit string and n-gram hashing for the hashed feature space. Pure integer arithmetic over
 * UTF-16 code units (Math.imul), identical at training and inference; the seed of each feature
 * namespace is stored with the model so a change here is a new model version.
 */

/** Mixes one 32-bit value into a running hash (murmur3-style round). */
export function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche so neighbouring inputs spread over every bucket. */
export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash of a whole string under a namespace seed.
 * @example hashString('好评', 7) === hashString('好评', 7)
 */
export function hashString(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return finish(mix(h, s.length));
}

/** FNV-style short hash of a byte string, for model version tags. */
export function hashBytes(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = mix(h2, b);
  }
  return (finish(h1) >>> 0).toString(16).padStart(8, '0') + finish(h2).toString(16).padStart(8, '0').slice(0, 4);
}

/**
 * The row of a 2^tableBits table for a hashed id under `salt`: one multiply of `id ^ salt`, the top
 * bits. The aspect model's review-context rows and the complaint head's rows (the review's ids, hashed
 * as the sentiment model hashes them, moved into tables of their own).
 */
export function saltedRow(id: number, salt: number, tableBits: number): number {
  return Math.imul(id ^ salt, 0x9e3779b1) >>> (32 - tableBits);
}
