// An HTTPRoute's weights count as taken only once the gateways reporting on it accepted its
// current generation (DESIGN.md §4); without any report the spec read-back is all there is.
import { describe, expect, it } from 'vitest';
import { gatewaysTookRoute } from '../../../functions/adapters/kubernetes/route-status.ts';

const accepted = (generation: number, status = 'True') => ({
  conditions: [
    { type: 'Accepted', status, observedGeneration: generation },
    { type: 'ResolvedRefs', status: 'True', observedGeneration: generation },
  ],
});

describe('gatewaysTookRoute', () => {
  it.each([
    { name: 'no status (no gateway controller)', status: undefined, taken: true },
    { name: 'no parents reported yet', status: { parents: [] }, taken: true },
    { name: 'accepted for this generation', status: { parents: [accepted(3)] }, taken: true },
    { name: 'accepted for an older generation', status: { parents: [accepted(2)] }, taken: false },
    { name: 'refused', status: { parents: [accepted(3, 'False')] }, taken: false },
    {
      name: 'refs not resolved',
      status: {
        parents: [
          {
            conditions: [
              { type: 'Accepted', status: 'True', observedGeneration: 3 },
              { type: 'ResolvedRefs', status: 'False', observedGeneration: 3 },
            ],
          },
        ],
      },
      taken: false,
    },
    {
      name: 'one of two gateways behind',
      status: { parents: [accepted(3), accepted(2)] },
      taken: false,
    },
    {
      name: 'both gateways caught up',
      status: { parents: [accepted(3), accepted(3)] },
      taken: true,
    },
  ])('$name', ({ status, taken }) => {
    expect(gatewaysTookRoute({ metadata: { generation: 3 }, status })).toBe(taken);
  });
});
