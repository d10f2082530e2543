// Deterministic CDEvent ids and chain ids: name-based UUIDs (RFC 9562 version 5), computed purely.
//
// The core may not use node:crypto, and WebCrypto is asynchronous, so SHA-1 is implemented here.
// SHA-1 is used only because UUIDv5 is defined with it (a stable, well-known id shape), not for
// security: these ids only need to be the same every time the same event is built.

/** Namespace UUID for KULTA's names: uuidv5(URL namespace, "https://kulta.io/cdevents"). */
export const KULTA_UUID_NAMESPACE = '9f4854a9-f140-5b3b-a59e-42e10f1fa2bf';

const UTF8 = new TextEncoder();

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function sha1Pad(message: Uint8Array): DataView {
  const paddedLength = Math.ceil((message.length + 9) / 64) * 64;
  const bytes = new Uint8Array(paddedLength);
  bytes.set(message);
  bytes[message.length] = 0x80;
  const view = new DataView(bytes.buffer);
  const bitLength = message.length * 8;
  view.setUint32(paddedLength - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(paddedLength - 4, bitLength >>> 0);
  return view;
}

function sha1Round(t: number, b: number, c: number, d: number): number {
  if (t < 20) return ((b & c) | (~b & d)) + 0x5a827999;
  if (t < 40) return (b ^ c ^ d) + 0x6ed9eba1;
  if (t < 60) return ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc;
  return (b ^ c ^ d) + 0xca62c1d6;
}

function sha1Block(view: DataView, offset: number, h: number[]): void {
  const w = new Array<number>(80);
  for (let t = 0; t < 80; t++) {
    w[t] =
      t < 16
        ? view.getUint32(offset + t * 4)
        : rotl((w[t - 3] ?? 0) ^ (w[t - 8] ?? 0) ^ (w[t - 14] ?? 0) ^ (w[t - 16] ?? 0), 1);
  }
  let [a, b, c, d, e] = h as [number, number, number, number, number];
  for (let t = 0; t < 80; t++) {
    const temp = (rotl(a, 5) + sha1Round(t, b, c, d) + e + (w[t] ?? 0)) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = temp;
  }
  [a, b, c, d, e].forEach((v, i) => (h[i] = ((h[i] ?? 0) + v) | 0));
}

/** SHA-1 digest of `message` (20 bytes). */
export function sha1(message: Uint8Array): Uint8Array {
  const view = sha1Pad(message);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  for (let offset = 0; offset < view.byteLength; offset += 64) sha1Block(view, offset, h);
  const out = new DataView(new ArrayBuffer(20));
  h.forEach((v, i) => {
    out.setUint32(i * 4, v >>> 0);
  });
  return new Uint8Array(out.buffer);
}

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: "${uuid}"`);
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Name-based UUID version 5 of `name` (UTF-8) in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = uuidBytes(namespace);
  const nameBytes = UTF8.encode(name);
  const input = new Uint8Array(ns.length + nameBytes.length);
  input.set(ns);
  input.set(nameBytes, ns.length);
  const hash = sha1(input).slice(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(hash);
}

/** What makes an event unique: one rollout, one transition, one event type (and an optional key). */
export interface EventIdentity {
  readonly rolloutUid: string;
  /** The Rollout's monotonic transition counter at the transition that caused the event. */
  readonly counter: number;
  readonly type: string;
  /** Distinguishes two events of the same type in one transition (e.g. the AnalysisRun name). */
  readonly key?: string;
}

/**
 * The CDEvent id (also the CloudEvent id): the same inputs always give the same id, so a resend
 * after a crash is a duplicate a consumer can recognise and drop.
 */
export function deriveEventId(identity: EventIdentity): string {
  const key = identity.key === undefined ? '' : `/${identity.key}`;
  return uuidV5(
    KULTA_UUID_NAMESPACE,
    `event/${identity.rolloutUid}/${identity.counter}/${identity.type}${key}`,
  );
}

/**
 * The chainId shared by every event of one revision's rollout (links spec: a UUID). Derived from
 * the Rollout's uid and the revision's pod-template hash, so every instance computes the same one.
 */
export function deriveChainId(rolloutUid: string, podTemplateHash: string): string {
  return uuidV5(KULTA_UUID_NAMESPACE, `chain/${rolloutUid}/${podTemplateHash}`);
}
