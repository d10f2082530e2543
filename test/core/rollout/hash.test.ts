// The pod-template hash: stable across key order, changed by any edit and by the collision
// count, written only in the safe alphabet (no vowels, so no words), like pod-template-hash.
import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv1a32, podTemplateHash } from '../../../functions/core/rollout/hash.ts';
import type { Json, JsonObject } from '../../../functions/core/rollout/types.ts';

const template: JsonObject = {
  metadata: { labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' } },
  spec: {
    containers: [
      { name: 'web', image: 'registry.example/web:1.0', ports: [{ containerPort: 8080 }] },
      { name: 'sidecar', image: 'registry.example/proxy:2', args: ['--a', '--b'] },
    ],
    terminationGracePeriodSeconds: 30,
    enableServiceLinks: false,
    nodeSelector: null,
  },
};

/** The same JSON with every object's keys in reverse order. */
function reversedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((k) => [k, reversedKeys(value[k] ?? null)]),
  );
}

function edit(change: (t: JsonObject) => void): JsonObject {
  const copy = structuredClone(template);
  change(copy);
  return copy;
}

const spec = (t: JsonObject): JsonObject => t.spec as JsonObject;
const first = (t: JsonObject): JsonObject => (spec(t).containers as JsonObject[])[0] ?? {};

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }, 3], a: 'z' })).toBe(
      '{"a":"z","b":[{"x":2,"y":1},3]}',
    );
  });

  it.each<{ value: Json | undefined; text: string }>([
    { value: undefined, text: 'null' },
    { value: null, text: 'null' },
    { value: 'a"b', text: '"a\\"b"' },
    { value: 1.5, text: '1.5' },
    { value: false, text: 'false' },
    { value: [], text: '[]' },
    { value: {}, text: '{}' },
  ])('writes $text', ({ value, text }) => {
    expect(canonicalJson(value)).toBe(text);
  });
});

describe('fnv1a32', () => {
  it.each([
    { text: '', hash: 0x811c9dc5 },
    { text: 'a', hash: 0xe40c292c },
    { text: 'foobar', hash: 0xbf9cf968 },
  ])('matches the published FNV-1a value for "$text"', ({ text, hash }) => {
    expect(fnv1a32(text)).toBe(hash);
  });
});

describe('podTemplateHash', () => {
  it('is stable across key order', () => {
    const reordered = reversedKeys(template);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(template));
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it('is the same on every call', () => {
    expect(podTemplateHash(structuredClone(template))).toBe(podTemplateHash(template));
  });

  it.each([
    { name: 'the image', change: (t: JsonObject) => (first(t).image = 'registry.example/web:1.1') },
    {
      name: 'a label value',
      change: (t: JsonObject) => ((t.metadata as JsonObject).labels = { app: 'web', tier: 'back' }),
    },
    {
      name: 'an added annotation',
      change: (t: JsonObject) =>
        ((t.metadata as JsonObject).annotations = { note: 'x', restartedAt: 'now' }),
    },
    {
      name: 'container order',
      change: (t: JsonObject) =>
        (spec(t).containers = [...(spec(t).containers as Json[])].reverse()),
    },
    {
      name: 'arg order',
      change: (t: JsonObject) =>
        ((spec(t).containers as JsonObject[])[1] = {
          name: 'sidecar',
          image: 'registry.example/proxy:2',
          args: ['--b', '--a'],
        }),
    },
    {
      name: 'a number to a string',
      change: (t: JsonObject) => (spec(t).terminationGracePeriodSeconds = '30'),
    },
    { name: 'false to true', change: (t: JsonObject) => (spec(t).enableServiceLinks = true) },
    { name: 'null to an empty object', change: (t: JsonObject) => (spec(t).nodeSelector = {}) },
    { name: 'a removed field', change: (t: JsonObject) => delete spec(t).enableServiceLinks },
  ])('changes with $name', ({ change }) => {
    expect(podTemplateHash(edit(change))).not.toBe(podTemplateHash(template));
  });

  it('changes with the collision count, and count 0 is the plain hash', () => {
    const plain = podTemplateHash(template);
    expect(podTemplateHash(template, 0)).toBe(plain);
    const one = podTemplateHash(template, 1);
    expect(one).not.toBe(plain);
    expect(podTemplateHash(template, 2)).not.toBe(one);
  });

  it('is the decimal FNV-1a of the canonical template, spelled in the safe alphabet', () => {
    const digits = String(fnv1a32(canonicalJson(template)));
    const spelled = [...digits].map((d) => 'bcdfghjklm'[Number(d)]).join('');
    expect(podTemplateHash(template)).toBe(spelled);
  });

  it('uses only the safe alphabet, at most 10 characters, for many templates', () => {
    const hashes = Array.from({ length: 200 }, (_, i) =>
      podTemplateHash(edit((t) => (first(t).image = `registry.example/web:${String(i)}`))),
    );
    for (const hash of hashes) expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
