// KULTA's header rules on an HTTPRoute: for each rule that splits traffic between our stable and
// canary Services, one rule per header route, placed just before it, that copies it (matches,
// filters, timeouts, …) with the header matches added and only the canary as backend. Rules are
// named kulta-<managed route>-<n> and listed in an ownership record (an annotation per rollout);
// only rules listed there are ever replaced or removed, so a user's rule is never touched.
import type { ObservedHeaderRoutes, ObservedRule } from './observed.ts';
import { canonicalJson, fnv1a32 } from './rollout/hash.ts';
import type { HeaderMatch, HeaderRoute, Json, JsonObject } from './rollout/types.ts';
import { type RouteBackends, serviceName, splitsOurs } from './route-weights.ts';

/** The HTTPRoute schema's limits (Gateway API v1): rules, matches in all rules, headers per match. */
export const routeLimits = { rules: 16, matches: 128, headersPerMatch: 16 } as const;

/** What a rule without matches matches (the API's default). */
const everything: JsonObject = { path: { type: 'PathPrefix', value: '/' } };

export function headerRuleName(managedRoute: string, splitIndex: number): string {
  return `kulta-${managedRoute}-${String(splitIndex)}`;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** RE2 (and Go) metacharacters, escaped so a prefix matches literally. */
function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A header match as the Gateway API writes it; a prefix becomes an anchored expression. */
export function gatewayHeaderMatch(m: HeaderMatch): JsonObject {
  if (m.type === 'Prefix') {
    return { name: m.headerName, type: 'RegularExpression', value: `^${quoteMeta(m.value)}.*` };
  }
  return { name: m.headerName, type: m.type, value: m.value };
}

/**
 * A source match AND the header matches. A match that already tests one of those headers is
 * left out (the API would ignore the second test of a header; the pair can rarely both hold):
 * requests it matches never reach the canary by header, which is the safe side.
 */
function withHeaders(match: JsonObject, headers: readonly JsonObject[]): JsonObject | undefined {
  const own = Array.isArray(match.headers) ? match.headers : [];
  const key = (h: JsonObject) => (typeof h.name === 'string' ? h.name.toLowerCase() : '');
  const taken = new Set(list(own).map(key));
  if (headers.some((h) => taken.has(key(h)))) return undefined;
  return { ...match, headers: [...own, ...headers] };
}

/** The header rule for one split rule, or undefined when none of its matches can take it. */
function headerRule(
  source: JsonObject,
  route: HeaderRoute,
  name: string,
  backends: RouteBackends,
): JsonObject | undefined {
  const headers = route.match.map(gatewayHeaderMatch);
  const sourceMatches = list(source.matches);
  const matches = (sourceMatches.length > 0 ? sourceMatches : [everything])
    .map((m) => withHeaders(m, headers))
    .filter((m) => m !== undefined);
  const canary = list(source.backendRefs).find((r) => serviceName(r) === backends.canaryService);
  if (matches.length === 0 || !canary) return undefined;
  const rest = Object.fromEntries(
    Object.entries(source).filter(([k]) => !['name', 'matches', 'backendRefs'].includes(k)),
  );
  const backend = { ...canary, group: '', kind: 'Service', weight: 1 };
  return { name, ...rest, matches, backendRefs: [backend] };
}

export type HeaderRulesEdit =
  | {
      readonly ok: true;
      /** The route with exactly the header rules of `headerRoutes`. */
      readonly route: JsonObject;
      /** The names of KULTA's rules on it now (the next ownership record). */
      readonly owned: readonly string[];
      /** False when the route already was exactly that. */
      readonly changed: boolean;
    }
  | { readonly ok: false; readonly problem: string };

function ruleName(rule: Json | undefined): string | undefined {
  return isObject(rule) && typeof rule.name === 'string' ? rule.name : undefined;
}

/**
 * A copy of `route` whose KULTA rules are exactly those of `headerRoutes` (in their order, each
 * before the split rule it copies): rules named in `owned` (and only those) are dropped and
 * rebuilt. Refused, touching nothing, when a needed name belongs to another rule or the route
 * would exceed the API's limits.
 */
export function withHeaderRules(
  route: JsonObject,
  backends: RouteBackends,
  headerRoutes: readonly HeaderRoute[],
  owned: readonly string[],
): HeaderRulesEdit {
  const spec = isObject(route.spec) ? route.spec : {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const kept = rules.filter((r) => !owned.includes(ruleName(r) ?? '\0'));
  const taken = new Set(kept.map(ruleName));
  const next: Json[] = [];
  let split = 0;
  for (const rule of kept) {
    if (isObject(rule) && splitsOurs(rule, backends)) {
      const built = headerRoutes
        .map((r) => headerRule(rule, r, headerRuleName(r.name, split), backends))
        .filter((r) => r !== undefined);
      const clash = built.map(ruleName).find((name) => taken.has(name));
      if (clash !== undefined) return { ok: false, problem: nameTaken(clash) };
      next.push(...built);
      split += 1;
    }
    next.push(rule);
  }
  const names = next.map(ruleName).filter((n): n is string => n !== undefined && !taken.has(n));
  const problem = limitProblem(next.filter(isObject).map((r) => shapeOf(r, false, backends)));
  if (problem !== undefined && names.length > 0) return { ok: false, problem };
  const edited = { ...route, spec: { ...spec, rules: next } };
  const changed = canonicalJson(edited) !== canonicalJson(route);
  return { ok: true, route: changed ? edited : route, owned: names, changed };
}

export function nameTaken(name: string): string {
  return `a rule named "${name}" that KULTA does not own is on the route: rename that rule or the managed route`;
}

/** A rule as the limits see it. */
export function shapeOf(rule: JsonObject, owned: boolean, backends: RouteBackends): ObservedRule {
  const matches = list(rule.matches);
  return {
    name: ruleName(rule),
    owned,
    splits: splitsOurs(rule, backends),
    matches: Math.max(1, matches.length),
    maxHeaders: Math.max(0, ...matches.map((m) => list(m.headers).length)),
  };
}

/** Which of the API's limits these rules break, if any. */
export function limitProblem(rules: readonly ObservedRule[]): string | undefined {
  const matches = rules.reduce((n, r) => n + r.matches, 0);
  const headers = Math.max(0, ...rules.map((r) => r.maxHeaders));
  if (rules.length > routeLimits.rules) {
    return `it would need ${String(rules.length)} rules (the HTTPRoute limit is ${String(routeLimits.rules)})`;
  }
  if (matches > routeLimits.matches) {
    return `it would need ${String(matches)} matches in all (the HTTPRoute limit is ${String(routeLimits.matches)})`;
  }
  if (headers > routeLimits.headersPerMatch) {
    return `a match would test ${String(headers)} headers (the HTTPRoute limit is ${String(routeLimits.headersPerMatch)})`;
  }
  return undefined;
}

/** KULTA's record on a route: the rules it owns there and the header routes they stand for. */
export interface HeaderRecord {
  readonly rules: readonly string[];
  readonly routes: readonly HeaderRoute[];
}

const recordPrefix = 'headerroutes.kulta.io/';

/** The record's annotation, one per rollout (`<namespace>.<name>`, hashed when too long). */
export function headerRecordKey(namespace: string, name: string): string {
  const id = `${namespace}.${name}`;
  if (id.length <= 63) return `${recordPrefix}${id}`;
  return `${recordPrefix}${id.slice(0, 54)}-${fnv1a32(id).toString(16).padStart(8, '0')}`;
}

function isHeaderMatch(value: unknown): value is HeaderMatch {
  const m = value as Partial<HeaderMatch> | null;
  return (
    typeof m?.headerName === 'string' &&
    typeof m.value === 'string' &&
    ['Exact', 'Prefix', 'RegularExpression'].includes(m.type ?? '')
  );
}

function isHeaderRoute(value: unknown): value is HeaderRoute {
  const r = value as Partial<HeaderRoute> | null;
  return typeof r?.name === 'string' && Array.isArray(r.match) && r.match.every(isHeaderMatch);
}

/**
 * The record in `annotations[key]`; an unreadable one counts as empty, so KULTA then owns no rule
 * there (its old rules become a name conflict a person resolves, never a silent deletion).
 */
export function readHeaderRecord(
  annotations: Readonly<Record<string, string>> | undefined,
  key: string,
): HeaderRecord {
  const empty = { rules: [], routes: [] };
  const text = annotations?.[key];
  if (text === undefined) return empty;
  try {
    const value = JSON.parse(text) as Partial<HeaderRecord> | null;
    const rules = Array.isArray(value?.rules) ? value.rules : [];
    const routes = Array.isArray(value?.routes) ? value.routes : [];
    if (!rules.every((r) => typeof r === 'string') || !routes.every(isHeaderRoute)) return empty;
    return { rules, routes };
  } catch {
    return empty;
  }
}

/** The annotation value of a record; undefined (no annotation) when it is empty. */
export function headerRecordValue(record: HeaderRecord): string | undefined {
  if (record.rules.length === 0 && record.routes.length === 0) return undefined;
  return JSON.stringify(record);
}

/** What a planner needs to know about a route's header rules (the adapter reads the route). */
export function observeHeaderRules(
  route: JsonObject,
  backends: RouteBackends,
  record: HeaderRecord,
): ObservedHeaderRoutes {
  const spec = isObject(route.spec) ? route.spec : {};
  const rules = list(spec.rules).map((r) =>
    shapeOf(r, record.rules.includes(ruleName(r) ?? '\0'), backends),
  );
  const rebuilt = withHeaderRules(route, backends, record.routes, record.rules);
  const intact =
    rebuilt.ok && !rebuilt.changed && rebuilt.owned.join('\n') === record.rules.join('\n');
  return { recorded: record.routes, intact, rules };
}
