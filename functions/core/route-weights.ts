// Edits an HTTPRoute's weights for our two backends, touching nothing else: other rules,
// matches, filters, other backends and timeouts stay exactly as they were.
import { canonicalJson } from './rollout/hash.ts';
import type { Json, JsonObject } from './rollout/types.ts';

export interface RouteBackends {
  readonly stableService: string;
  readonly canaryService: string;
}

export interface RouteWeights {
  readonly stable: number | undefined;
  readonly canary: number | undefined;
  readonly hasStable: boolean;
  readonly hasCanary: boolean;
  /** False when rules disagree about our weights (a half-applied edit). */
  readonly consistent: boolean;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A backendRef that names a core Service (group "" or absent, kind Service or absent). */
function serviceName(ref: Json | undefined): string | undefined {
  if (!isObject(ref)) return undefined;
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  if (group !== '' || kind !== 'Service' || typeof ref.name !== 'string') return undefined;
  return ref.name;
}

function rules(route: JsonObject): JsonObject[] {
  const spec = route.spec;
  if (!isObject(spec) || !Array.isArray(spec.rules)) return [];
  return spec.rules.filter(isObject);
}

function refs(rule: JsonObject): JsonObject[] {
  return Array.isArray(rule.backendRefs) ? rule.backendRefs.filter(isObject) : [];
}

/** Weight of a backendRef as the Gateway API reads it: absent means 1. */
function weightOf(ref: JsonObject): number {
  return typeof ref.weight === 'number' ? ref.weight : 1;
}

/** Our backends' weights as the route has them, over the rules that reference both. */
export function readRouteWeights(route: JsonObject, backends: RouteBackends): RouteWeights {
  let hasStable = false;
  let hasCanary = false;
  const seen = new Set<string>();
  let stable: number | undefined;
  let canary: number | undefined;
  for (const rule of rules(route)) {
    const names = refs(rule).map(serviceName);
    hasStable ||= names.includes(backends.stableService);
    hasCanary ||= names.includes(backends.canaryService);
    for (const ref of refs(rule)) {
      const name = serviceName(ref);
      if (name === backends.stableService) stable = weightOf(ref);
      if (name === backends.canaryService) canary = weightOf(ref);
    }
    if (names.includes(backends.stableService) && names.includes(backends.canaryService)) {
      seen.add(`${String(stable)}/${String(canary)}`);
    }
  }
  return { stable, canary, hasStable, hasCanary, consistent: seen.size <= 1 };
}

/**
 * A copy of `route` where every backendRef naming our stable or canary Service carries the
 * given weight (with the API's defaults written out, so GitOps sees no drift). Returns
 * undefined when nothing would change.
 */
export function withRouteWeights(
  route: JsonObject,
  backends: RouteBackends,
  weights: { readonly stable: number; readonly canary: number },
): JsonObject | undefined {
  const edit = (ref: JsonObject): JsonObject => {
    const name = serviceName(ref);
    const weight =
      name === backends.stableService
        ? weights.stable
        : name === backends.canaryService
          ? weights.canary
          : undefined;
    if (weight === undefined) return ref;
    return { ...ref, group: ref.group ?? '', kind: ref.kind ?? 'Service', weight };
  };
  const spec = route.spec;
  if (!isObject(spec) || !Array.isArray(spec.rules)) return undefined;
  const nextRules = spec.rules.map((rule) =>
    isObject(rule) && Array.isArray(rule.backendRefs)
      ? { ...rule, backendRefs: rule.backendRefs.map((r) => (isObject(r) ? edit(r) : r)) }
      : rule,
  );
  const next: JsonObject = { ...route, spec: { ...spec, rules: nextRules } };
  return canonicalJson(next) === canonicalJson(route) ? undefined : next;
}
