// The Gateway API plugin block as parsed: routes, their namespace, header routes and the
// in-progress label (Argo's plugin defaults, renamed, or disabled).
import { describe, expect, it } from 'vitest';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';

function specOf(object: JsonObject) {
  const parsed = parseRollout(object);
  expect(parsed.specErrors).toEqual([]);
  if (!parsed.spec) throw new Error('expected a valid spec');
  return parsed.spec;
}

const routing = (block: JsonObject): JsonObject => ({
  trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': block } },
});

describe('the Gateway API plugin', () => {
  it.each<{ name: string; block: JsonObject; expected: object }>([
    {
      name: 'httpRoute alone, in the rollout namespace',
      block: { httpRoute: 'a' },
      expected: { namespace: 'shop', httpRoutes: ['a'], managedRoutes: [], headerRoutes: ['a'] },
    },
    {
      name: 'httpRoutes alone',
      block: { httpRoutes: [{ name: 'a' }, { name: 'b' }] },
      expected: { namespace: 'shop', httpRoutes: ['a', 'b'], managedRoutes: [], headerRoutes: [] },
    },
    {
      name: 'httpRoute and httpRoutes merged without duplicates',
      block: { httpRoute: 'a', httpRoutes: [{ name: 'b' }, { name: 'a' }, { name: 'b' }] },
      expected: {
        namespace: 'shop',
        httpRoutes: ['a', 'b'],
        managedRoutes: [],
        headerRoutes: ['a'],
      },
    },
    {
      name: 'routes in another namespace',
      block: { httpRoute: 'a', namespace: 'edge' },
      expected: { namespace: 'edge', httpRoutes: ['a'], managedRoutes: [], headerRoutes: ['a'] },
    },
    {
      name: 'the in-progress label disabled',
      block: { httpRoute: 'a', disableInProgressLabel: true },
      expected: {
        namespace: 'shop',
        httpRoutes: ['a'],
        managedRoutes: [],
        headerRoutes: ['a'],
        inProgressLabel: undefined,
      },
    },
    {
      name: 'the in-progress label renamed',
      block: {
        httpRoute: 'a',
        inProgressLabelKey: 'example.com/canary',
        inProgressLabelValue: 'on',
      },
      expected: {
        namespace: 'shop',
        httpRoutes: ['a'],
        managedRoutes: [],
        headerRoutes: ['a'],
        inProgressLabel: { key: 'example.com/canary', value: 'on' },
      },
    },
  ])('reads the Gateway API plugin: $name', ({ block, expected }) => {
    expect(specOf(aRollout().canary(routing(block)).build()).canary.trafficRouting).toEqual({
      inProgressLabel: { key: 'rollouts.argoproj.io/gatewayapi-canary', value: 'in-progress' },
      ...expected,
    });
  });
});
