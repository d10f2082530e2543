// Parses header routing (Argo's setHeaderRoute steps and trafficRouting.managedRoutes) and checks
// what spans fields: every header route is a managed route, some HTTPRoute takes header routes,
// and the canary has pods whenever a header route sends requests to it.
import { isObject, obj, str } from './json-read.ts';
import { re2SyntaxError } from './re2-syntax.ts';
import type { HeaderMatch, Json, JsonObject, Step } from './types.ts';

/** Managed route names become HTTPRoute rule names `kulta-<name>-<n>`: a DNS label (≤ 63). */
export const managedRouteNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const managedRouteNameMax = 54;
/** The Gateway API's HTTPHeaderName. */
const headerNamePattern = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const valueKinds = ['exact', 'prefix', 'regex'] as const;
const matchTypes = { exact: 'Exact', prefix: 'Prefix', regex: 'RegularExpression' } as const;

function nameProblem(name: string | undefined): string | undefined {
  if (name === undefined) return 'is required';
  if (name.length > managedRouteNameMax || !managedRouteNamePattern.test(name)) {
    return `"${name}" must be lowercase letters, digits and '-' (at most ${String(managedRouteNameMax)}), starting and ending with a letter or digit: it names the HTTPRoute rules kulta-${name}-<n>`;
  }
  return undefined;
}

function parseMatch(
  raw: Json | undefined,
  path: string,
  errors: string[],
): HeaderMatch | undefined {
  const m = obj(raw);
  const headerName = str(m.headerName);
  if (headerName === undefined || !headerNamePattern.test(headerName)) {
    errors.push(`${path}.headerName must be an HTTP header name like X-Canary or Cookie`);
    return undefined;
  }
  const value = obj(m.headerValue);
  const set = valueKinds.filter((k) => str(value[k]) !== undefined);
  const [kind] = set;
  if (set.length !== 1 || kind === undefined) {
    errors.push(`${path}.headerValue must set exactly one of exact, prefix, regex`);
    return undefined;
  }
  const text = str(value[kind]) ?? '';
  const problem = kind === 'regex' ? re2SyntaxError(text) : undefined;
  if (problem !== undefined) {
    errors.push(
      `${path}.headerValue.regex is not a valid RE2 regular expression (the syntax Envoy-based gateways read): ${problem}; fix the pattern`,
    );
    return undefined;
  }
  return { headerName, type: matchTypes[kind], value: text };
}

/** A header named twice in one route: the Gateway API would ignore all but the first. */
function repeatedHeader(match: readonly HeaderMatch[]): string | undefined {
  const seen = new Set<string>();
  for (const m of match) {
    const key = m.headerName.toLowerCase();
    if (seen.has(key)) return m.headerName;
    seen.add(key);
  }
  return undefined;
}

/** A setHeaderRoute step (`path` ends in .setHeaderRoute); without match it removes the route. */
export function parseHeaderRouteStep(
  s: JsonObject,
  path: string,
  errors: string[],
): Step | undefined {
  const name = str(s.name);
  const problem = nameProblem(name);
  if (problem !== undefined || name === undefined) {
    errors.push(`${path}.name ${problem ?? ''}`);
    return undefined;
  }
  if (s.match === undefined || s.match === null) return { kind: 'setHeaderRoute', name, match: [] };
  if (!Array.isArray(s.match) || s.match.length === 0) {
    errors.push(
      `${path}.match must list at least one header (leave match out to remove the header route)`,
    );
    return undefined;
  }
  const before = errors.length;
  const match = s.match
    .map((m, i) => parseMatch(m, `${path}.match[${String(i)}]`, errors))
    .filter((m) => m !== undefined);
  if (errors.length > before) return undefined;
  const repeated = repeatedHeader(match);
  if (repeated !== undefined) {
    errors.push(`${path}.match names the header ${repeated} twice: match it once`);
    return undefined;
  }
  return { kind: 'setHeaderRoute', name, match };
}

/** trafficRouting.managedRoutes: unique valid names, in precedence order. */
export function parseManagedRoutes(routing: JsonObject, path: string, errors: string[]): string[] {
  const raw = routing.managedRoutes;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors.push(`${path}.managedRoutes must be a list of {name}`);
    return [];
  }
  const names: string[] = [];
  raw.forEach((entry, i) => {
    const name = str(obj(entry).name);
    const problem = nameProblem(name);
    if (problem !== undefined || name === undefined) {
      errors.push(`${path}.managedRoutes[${String(i)}].name ${problem ?? ''}`);
    } else if (names.includes(name)) {
      errors.push(`${path}.managedRoutes lists "${name}" twice: list each header route once`);
    } else {
      names.push(name);
    }
  });
  return names;
}

/**
 * The HTTPRoutes that take header routes, as Argo's Gateway API plugin reads them: httpRoute
 * always, httpRoutes[] when useHeaderRoutes is true. A plugin-level useHeaderRoutes (Argo ignores
 * it) is accepted only as true beside httpRoute, where it says what happens anyway.
 */
export function parseHeaderRoutedRoutes(
  plugin: JsonObject,
  path: string,
  errors: string[],
): string[] {
  const single = str(plugin.httpRoute);
  if (plugin.useHeaderRoutes !== undefined && (plugin.useHeaderRoutes !== true || !single)) {
    errors.push(
      `${path}.useHeaderRoutes: httpRoute always takes header routes; for httpRoutes set useHeaderRoutes on each route instead (remove this one)`,
    );
  }
  const many = Array.isArray(plugin.httpRoutes) ? plugin.httpRoutes.filter(isObject) : [];
  const opted = many.filter((r) => r.useHeaderRoutes === true).map((r) => str(r.name));
  return [...new Set([single, ...opted].filter((n) => n !== undefined))];
}

interface HeaderStep {
  readonly index: number;
  readonly name: string;
  readonly removes: boolean;
}

function headerSteps(steps: readonly Json[]): HeaderStep[] {
  return steps.flatMap((raw, index) => {
    const s = obj(raw);
    if (!isObject(s.setHeaderRoute)) return [];
    const name = str(s.setHeaderRoute.name) ?? '';
    const match = s.setHeaderRoute.match;
    return [{ index, name, removes: match === undefined || match === null }];
  });
}

/** Whether the canary has pods after each step: a setWeight above 0, or a setCanaryScale. */
function canaryHasPods(steps: readonly Json[]): boolean[] {
  let weight = 0;
  let scale: boolean | undefined;
  return steps.map((raw) => {
    const s = obj(raw);
    if (typeof s.setWeight === 'number') weight = s.setWeight;
    const canaryScale = obj(s.setCanaryScale);
    if (canaryScale.matchTrafficWeight === true) scale = undefined;
    else if (typeof canaryScale.replicas === 'number') scale = canaryScale.replicas > 0;
    else if (typeof canaryScale.weight === 'number') scale = canaryScale.weight > 0;
    return scale ?? weight > 0;
  });
}

/** The first step at which a header route is in force while the canary has no pods. */
function podlessHeaderStep(steps: readonly Json[], header: readonly HeaderStep[]): number {
  const pods = canaryHasPods(steps);
  const active = new Set<string>();
  for (let i = 0; i < steps.length; i += 1) {
    const step = header.find((h) => h.index === i);
    if (step?.removes === true) active.delete(step.name);
    else if (step) active.add(step.name);
    if (active.size > 0 && pods[i] !== true) return i;
  }
  return -1;
}

/**
 * What no single field shows about header routing of `strategy` (at `path`), given the managed
 * route names and the HTTPRoutes that take header routes (undefined without trafficRouting).
 */
export function headerRoutingErrors(
  strategy: JsonObject,
  path: string,
  routing: { readonly managedRoutes: readonly string[]; readonly headerRoutes: readonly string[] },
  hasTrafficRouting: boolean,
): string[] {
  const steps = Array.isArray(strategy.steps) ? strategy.steps : [];
  const header = headerSteps(steps);
  if (header.length === 0) return [];
  if (!hasTrafficRouting) {
    return [
      `${path}.steps[${String(header[0]?.index ?? 0)}].setHeaderRoute needs trafficRouting: header routes are rules KULTA adds to its HTTPRoutes`,
    ];
  }
  const errors = header
    .filter((h) => h.name !== '' && !routing.managedRoutes.includes(h.name))
    .map(
      (h) =>
        `${path}.steps[${String(h.index)}].setHeaderRoute.name "${h.name}" is not in ${path}.trafficRouting.managedRoutes: add {name: ${h.name}} there`,
    );
  if (routing.headerRoutes.length === 0) {
    errors.push(
      `${path}.trafficRouting: setHeaderRoute steps need an HTTPRoute that takes header routes: set useHeaderRoutes: true on one of httpRoutes (httpRoute always takes them)`,
    );
  }
  const podless = podlessHeaderStep(steps, header);
  if (podless >= 0) {
    errors.push(
      `${path}.steps[${String(podless)}]: a header route sends requests to the canary, which has no pods at this step; add setCanaryScale: {replicas: 1} (or a setWeight above 0) before the setHeaderRoute step`,
    );
  }
  return errors;
}
