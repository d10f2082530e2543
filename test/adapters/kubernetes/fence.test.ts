// Fencing annotations: one key per rollout, <namespace>.<name> (valid annotation name even for
// long names), and the rule that only a newer transition of the same rollout fences a writer out.
import { describe, expect, it } from 'vitest';
import {
  fenceAnnotations,
  fenceKey,
  isFencedOut,
} from '../../../functions/adapters/kubernetes/fence.ts';
import type { Fence } from '../../../functions/ports.ts';

function fence(name: string, uid = 'uid-1', transition = 5): Fence {
  return { rollout: { namespace: 'shop', name }, uid, transition };
}

/** The name part of a qualified annotation key, as the apiserver validates it. */
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

describe('fenceKey', () => {
  it.each([
    { name: 'a short name', rollout: 'web' },
    { name: 'a key of exactly 63 characters', rollout: 'w'.repeat(58) },
  ])('keeps $name as <namespace>.<name>', ({ rollout }) => {
    expect(fenceKey(fence(rollout))).toBe(`fence.kulta.io/shop.${rollout}`);
  });

  it('keeps same-named rollouts of two namespaces apart (they may share a route)', () => {
    const other: Fence = { ...fence('web'), rollout: { namespace: 'blog', name: 'web' } };
    expect(fenceKey(other)).not.toBe(fenceKey(fence('web')));
  });

  it.each([
    { name: '64 characters', rollout: 'a'.repeat(64) },
    { name: '253 characters with dots', rollout: `${'a.b-c'.repeat(50)}xyz` },
  ])('hashes a long name ($name) into a valid 63-character name part', ({ rollout }) => {
    const key = fenceKey(fence(rollout));
    const [prefix, namePart = ''] = key.split('/');
    expect(prefix).toBe('fence.kulta.io');
    expect(namePart).toHaveLength(63);
    expect(namePart).toMatch(qualifiedName);
    expect(namePart.startsWith(`shop.${rollout}`.slice(0, 54))).toBe(true);
    expect(namePart).toMatch(/-[0-9a-f]{8}$/);
    expect(fenceKey(fence(rollout))).toBe(key);
  });

  it('keeps long names that share a prefix apart', () => {
    const base = 'x'.repeat(60);
    expect(fenceKey(fence(`${base}-one`))).not.toBe(fenceKey(fence(`${base}-two`)));
  });

  it('pins the hash of a long name (the key must not change between releases)', () => {
    expect(fenceKey(fence('a'.repeat(64)))).toBe(`fence.kulta.io/shop.${'a'.repeat(49)}-eeeea545`);
  });

  it('depends on the rollout name only, not on uid or transition', () => {
    expect(fenceKey(fence('web', 'uid-2', 9))).toBe(fenceKey(fence('web')));
  });
});

describe('fenceAnnotations', () => {
  it('stamps uid and transition under the rollout key', () => {
    expect(fenceAnnotations(fence('web', 'uid-1', 7))).toEqual({
      'fence.kulta.io/shop.web': 'uid-1/7',
    });
  });
});

describe('isFencedOut', () => {
  const mine = fence('web', 'uid-1', 5);
  it.each([
    { name: 'a newer transition of the same rollout', on: 'uid-1/6', out: true },
    { name: 'a much newer transition (numeric, not text order)', on: 'uid-1/10', out: true },
    { name: 'the same transition', on: 'uid-1/5', out: false },
    { name: 'an older transition', on: 'uid-1/4', out: false },
    { name: 'a newer transition of another rollout (other uid)', on: 'uid-2/99', out: false },
    { name: 'an unreadable counter', on: 'uid-1/abc', out: false },
    { name: 'an empty value', on: '', out: false },
  ])('$name → $out', ({ on, out }) => {
    expect(isFencedOut({ 'fence.kulta.io/shop.web': on }, mine)).toBe(out);
  });

  it.each<{ name: string; annotations: Record<string, string> | undefined }>([
    { name: 'no annotations', annotations: undefined },
    { name: 'no fence annotation', annotations: { other: 'x' } },
    { name: "another rollout's fence only", annotations: { 'fence.kulta.io/api': 'uid-1/99' } },
  ])('is not fenced out with $name', ({ annotations }) => {
    expect(isFencedOut(annotations, mine)).toBe(false);
  });

  it('round-trips: what a writer stamps fences out older writers, not itself', () => {
    const stamped = fenceAnnotations(fence('web', 'uid-1', 8));
    expect(isFencedOut(stamped, fence('web', 'uid-1', 8))).toBe(false);
    expect(isFencedOut(stamped, fence('web', 'uid-1', 7))).toBe(true);
  });
});
