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
export function serviceName(ref: Json | undefined): string | undefined {
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

/** Our backends' weights in one rule; undefined where the rule does not reference them. */
function ruleWeights(rule: JsonObject, backends: RouteBackends) {
  let stable: number | undefined;
  let canary: number | undefined;
  for (const ref of refs(rule)) {
    const name = serviceName(ref);
    if (name === backends.stableService) stable = weightOf(ref);
    if (name === backends.canaryService) canary = weightOf(ref);
  }
  return { stable, canary };
}

/**
 * Our backends' weights as the route has them, over the rules that reference both (a rule
 * with only one of them, e.g. a header rule, says nothing about the split); from any rule
 * only when no rule references both.
 */
export function readRouteWeights(route: JsonObject, backends: RouteBackends): RouteWeights {
  const perRule = rules(route).map((rule) => ruleWeights(rule, backends));
  const split = perRule.filter((w) => w.stable !== undefined && w.canary !== undefined);
  const seen = new Set(split.map((w) => `${String(w.stable)}/${String(w.canary)}`));
  const from = split.length > 0 ? split : perRule;
  return {
    stable: from.findLast((w) => w.stable !== undefined)?.stable,
    canary: from.findLast((w) => w.canary !== undefined)?.canary,
    hasStable: perRule.some((w) => w.stable !== undefined),
    hasCanary: perRule.some((w) => w.canary !== undefined),
    consistent: seen.size <= 1,
  };
}

/** True when a rule splits traffic between our two Services. */
export function splitsOurs(rule: JsonObject, backends: RouteBackends): boolean {
  const names = refs(rule).map(serviceName);
  return names.includes(backends.stableService) && names.includes(backends.canaryService);
}

/**
 * A copy of `route` where our stable and canary backendRefs carry the given weights (with the
 * API's defaults written out, so GitOps sees no drift), in every rule that splits traffic
 * between the two; a rule with only one of them (e.g. a testers' header rule) is left alone,
 * unless no rule has both. Returns undefined when nothing would change.
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
  const anySplit = rules(route).some((rule) => splitsOurs(rule, backends));
  const nextRules = spec.rules.map((rule) =>
    isObject(rule) && Array.isArray(rule.backendRefs) && (!anySplit || splitsOurs(rule, backends))
      ? { ...rule, backendRefs: rule.backendRefs.map((r) => (isObject(r) ? edit(r) : r)) }
      : rule,
  );
  const next: JsonObject = { ...route, spec: { ...spec, rules: nextRules } };
  return canonicalJson(next) === canonicalJson(route) ? undefined : next;
}
