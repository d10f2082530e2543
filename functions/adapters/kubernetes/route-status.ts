// Whether the gateways serving an HTTPRoute took its current spec, read from its status.parents
// (DESIGN.md §4: an abort's weight 0 is confirmed only once the route took it).

interface Condition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly observedGeneration?: unknown;
}

interface RouteParentStatus {
  readonly conditions?: readonly Condition[];
}

function holds(conditions: readonly Condition[], type: string, generation: number): boolean {
  return conditions.some(
    (c) => c.type === type && c.status === 'True' && c.observedGeneration === generation,
  );
}

/**
 * True when every parent reporting on the route has Accepted and ResolvedRefs True for the
 * route's own generation. A route no gateway reports on (no controller, or none yet) has only
 * its spec to go by, so it counts as taken: the read-back of our own write is all there is.
 */
export function gatewaysTookRoute(route: {
  readonly metadata?: unknown;
  readonly status?: unknown;
}): boolean {
  const generation = (route.metadata as { generation?: unknown } | undefined)?.generation;
  const parents = (route.status as { parents?: unknown } | undefined)?.parents;
  if (!Array.isArray(parents) || parents.length === 0) return true;
  if (typeof generation !== 'number') return false;
  return (parents as RouteParentStatus[]).every((p) => {
    const conditions = p.conditions ?? [];
    return (
      holds(conditions, 'Accepted', generation) && holds(conditions, 'ResolvedRefs', generation)
    );
  });
}
