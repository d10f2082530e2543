// The pod-template hash that names a revision: FNV-1a over the canonical JSON of the template
// (plus the collision count), rendered in Kubernetes' "safe" alphabet like pod-template-hash.
import type { Json } from './types.ts';

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: Json | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function safeEncode(n: number): string {
  // Like Kubernetes: the decimal digits mapped into an alphabet without vowels, so a hash
  // never spells a word, and labels stay short.
  return String(n).replace(/\d/g, (d) => safeAlphabet[Number(d)] ?? '');
}

/** The pod-template hash of a revision: stable across key order, changed by any edit. */
export function podTemplateHash(template: Json, collisionCount = 0): string {
  const text = canonicalJson(template) + (collisionCount > 0 ? `#${String(collisionCount)}` : '');
  return safeEncode(fnv1a32(text));
}
