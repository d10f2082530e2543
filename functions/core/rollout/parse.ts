// Parses a Rollout object from the API into typed values, once, at the boundary. The CRD
// schema refuses most bad specs; what it cannot check is reported here with the field's path.
import { DurationError, parseDuration } from '../duration.ts';
import type {
  AnalysisArg,
  CanaryScale,
  CanaryStrategy,
  GatewayApiRouting,
  Json,
  JsonObject,
  LabelSelector,
  PodMetadata,
  RolloutMeta,
  RolloutSpec,
  RolloutAnalysis,
  RolloutStatus,
  Step,
} from './types.ts';

export const gatewayApiPlugin = 'argoproj-labs/gatewayAPI';

/** A Rollout as read: metadata and status always, the spec only when it is valid. */
export interface ParsedRollout {
  readonly metadata: RolloutMeta;
  readonly status: RolloutStatus;
  readonly spec: RolloutSpec | undefined;
  /** One message per problem, each naming the field and the fix. */
  readonly specErrors: readonly string[];
}

/** An object from the API that is not a Rollout at all (no name, namespace or uid). */
export class MalformedObjectError extends Error {
  override readonly name = 'MalformedObjectError';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function int(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
}

function podMetadata(value: unknown): PodMetadata {
  const o = obj(value);
  return { labels: stringMap(o.labels), annotations: stringMap(o.annotations) };
}

export function parseMetadata(object: unknown): RolloutMeta {
  const m = obj(obj(object).metadata);
  const name = str(m.name);
  const namespace = str(m.namespace);
  const uid = str(m.uid);
  if (!name || !namespace || !uid) {
    throw new MalformedObjectError(
      'object has no metadata.name, metadata.namespace or metadata.uid',
    );
  }
  return {
    name,
    namespace,
    uid,
    generation: int(m.generation, 0),
    resourceVersion: str(m.resourceVersion) ?? '',
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
    deleting: str(m.deletionTimestamp) !== undefined,
  };
}

function parseStep(raw: Json | undefined, path: string, errors: string[]): Step | undefined {
  const s = obj(raw);
  const keys = Object.keys(s);
  if (keys.length !== 1) {
    errors.push(`${path} must set exactly one of setWeight, pause, setCanaryScale, analysis`);
    return undefined;
  }
  if ('setWeight' in s) {
    const w = s.setWeight;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100) {
      errors.push(`${path}.setWeight must be a whole number from 0 to 100`);
      return undefined;
    }
    return { kind: 'setWeight', weight: w };
  }
  if ('pause' in s) {
    const d = obj(s.pause).duration;
    if (d === undefined) return { kind: 'pause', durationSeconds: undefined };
    return parsePauseDuration(d, path, errors);
  }
  if ('setCanaryScale' in s) return parseCanaryScale(obj(s.setCanaryScale), path, errors);
  if ('analysis' in s) return parseAnalysisStep(obj(s.analysis), `${path}.analysis`, errors);
  errors.push(`${path}: "${keys[0] ?? ''}" steps are not supported by KULTA`);
  return undefined;
}

function parsePauseDuration(value: Json, path: string, errors: string[]): Step | undefined {
  try {
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new DurationError('must be a number or a string like "30s"');
    return { kind: 'pause', durationSeconds: Math.ceil(parseDuration(value) / 1000) };
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    errors.push(`${path}.pause.duration: ${error.message}`);
    return undefined;
  }
}

function parseArg(raw: Json | undefined, path: string, errors: string[]): AnalysisArg | undefined {
  const a = obj(raw);
  const name = str(a.name);
  if (!name) {
    errors.push(`${path}.name is required`);
    return undefined;
  }
  if (typeof a.value === 'string') return { name, kind: 'value', value: a.value };
  const from = obj(a.valueFrom);
  const which = from.podTemplateHashValue;
  if (which === 'Stable' || which === 'Latest') return { name, kind: 'podTemplateHash', which };
  const fieldPath = str(obj(from.fieldRef).fieldPath);
  if (fieldPath) return { name, kind: 'fieldRef', fieldPath };
  errors.push(
    `${path} needs value, valueFrom.podTemplateHashValue (Stable|Latest) or valueFrom.fieldRef.fieldPath`,
  );
  return undefined;
}

function parseAnalysis(a: JsonObject, path: string, errors: string[]): RolloutAnalysis | undefined {
  const rawTemplates = Array.isArray(a.templates) ? a.templates : [];
  const templates = rawTemplates
    .map((t) => ({
      templateName: str(obj(t).templateName) ?? '',
      clusterScope: obj(t).clusterScope === true,
    }))
    .filter((t) => t.templateName !== '');
  if (templates.length === 0) {
    errors.push(`${path}.templates must name at least one AnalysisTemplate (templateName)`);
    return undefined;
  }
  const rawArgs = Array.isArray(a.args) ? a.args : [];
  const args = rawArgs
    .map((r, i) => parseArg(r, `${path}.args[${String(i)}]`, errors))
    .filter((x) => x !== undefined);
  return { templates, args };
}

function parseAnalysisStep(a: JsonObject, path: string, errors: string[]): Step | undefined {
  const analysis = parseAnalysis(a, path, errors);
  return analysis ? { kind: 'analysis', analysis } : undefined;
}

/** Background analysis (strategy.canary.analysis), with the step it starts at. */
function parseBackground(canary: JsonObject, errors: string[]): CanaryStrategy['analysis'] {
  if (!isObject(canary.analysis)) return undefined;
  const analysis = parseAnalysis(canary.analysis, 'spec.strategy.canary.analysis', errors);
  return analysis ? { ...analysis, startingStep: int(canary.analysis.startingStep, 0) } : undefined;
}

function parseCanaryScale(s: JsonObject, path: string, errors: string[]): Step | undefined {
  let scale: CanaryScale | undefined;
  if (s.matchTrafficWeight === true) scale = { kind: 'matchTrafficWeight' };
  else if (typeof s.replicas === 'number') scale = { kind: 'replicas', replicas: s.replicas };
  else if (typeof s.weight === 'number') scale = { kind: 'weight', weight: s.weight };
  if (!scale) {
    errors.push(
      `${path}.setCanaryScale must set one of weight, replicas, matchTrafficWeight: true`,
    );
    return undefined;
  }
  return { kind: 'setCanaryScale', scale };
}

function parseRouting(
  canary: JsonObject,
  namespace: string,
  errors: string[],
): GatewayApiRouting | undefined {
  if (!isObject(canary.trafficRouting)) return undefined;
  const plugins = obj(canary.trafficRouting.plugins);
  const others = Object.keys(canary.trafficRouting).filter((k) => k !== 'plugins');
  const otherPlugins = Object.keys(plugins).filter((k) => k !== gatewayApiPlugin);
  if (others.length > 0 || otherPlugins.length > 0) {
    const names = [...others, ...otherPlugins.map((p) => `plugins["${p}"]`)].join(', ');
    errors.push(
      `spec.strategy.canary.trafficRouting: ${names} not supported; KULTA routes traffic only ` +
        `through plugins["${gatewayApiPlugin}"] (Gateway API HTTPRoutes)`,
    );
  }
  const plugin = plugins[gatewayApiPlugin];
  if (!isObject(plugin)) {
    errors.push(`spec.strategy.canary.trafficRouting.plugins["${gatewayApiPlugin}"] is required`);
    return undefined;
  }
  const single = str(plugin.httpRoute);
  const many = Array.isArray(plugin.httpRoutes)
    ? plugin.httpRoutes.map((r) => str(obj(r).name)).filter((n) => n !== undefined)
    : [];
  const httpRoutes = single ? [single, ...many] : many;
  if (httpRoutes.length === 0) {
    errors.push(
      `spec.strategy.canary.trafficRouting.plugins["${gatewayApiPlugin}"] needs httpRoute or httpRoutes`,
    );
  }
  return { namespace: str(plugin.namespace) ?? namespace, httpRoutes: [...new Set(httpRoutes)] };
}

function parseCanary(canary: JsonObject, namespace: string, errors: string[]): CanaryStrategy {
  const trafficRouting = parseRouting(canary, namespace, errors);
  const stableService = str(canary.stableService);
  const canaryService = str(canary.canaryService);
  if (trafficRouting && (!stableService || !canaryService)) {
    errors.push('spec.strategy.canary: trafficRouting needs both stableService and canaryService');
  }
  if (stableService && stableService === canaryService) {
    errors.push('spec.strategy.canary: stableService and canaryService must be different Services');
  }
  const rawSteps = Array.isArray(canary.steps) ? canary.steps : [];
  const steps = rawSteps
    .map((s, i) => parseStep(s, `spec.strategy.canary.steps[${String(i)}]`, errors))
    .filter((s) => s !== undefined);
  return {
    stableService,
    canaryService,
    maxSurge:
      typeof canary.maxSurge === 'number' ? canary.maxSurge : (str(canary.maxSurge) ?? '25%'),
    maxUnavailable:
      typeof canary.maxUnavailable === 'number'
        ? canary.maxUnavailable
        : (str(canary.maxUnavailable) ?? '25%'),
    scaleDownDelaySeconds: int(canary.scaleDownDelaySeconds, 30),
    abortScaleDownDelaySeconds: int(canary.abortScaleDownDelaySeconds, 30),
    dynamicStableScale: canary.dynamicStableScale === true,
    canaryMetadata: podMetadata(canary.canaryMetadata),
    stableMetadata: podMetadata(canary.stableMetadata),
    trafficRouting,
    steps,
    analysis: parseBackground(canary, errors),
  };
}

function parseSelector(spec: JsonObject, template: JsonObject, errors: string[]): LabelSelector {
  const selector = obj(spec.selector);
  const matchLabels = stringMap(selector.matchLabels);
  const templateLabels = stringMap(obj(template.metadata).labels);
  const matchExpressions = Array.isArray(selector.matchExpressions)
    ? selector.matchExpressions.filter(isObject)
    : [];
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    errors.push('spec.selector must select the pods of spec.template (set matchLabels)');
  }
  for (const [k, v] of Object.entries(matchLabels)) {
    if (templateLabels[k] !== v) {
      errors.push(
        `spec.selector.matchLabels.${k}=${v} does not match spec.template.metadata.labels; ` +
          'the template must carry every label the selector requires',
      );
    }
  }
  return { matchLabels, matchExpressions };
}

export function parseSpec(
  object: unknown,
  namespace: string,
): { spec?: RolloutSpec; errors: string[] } {
  const errors: string[] = [];
  const spec = obj(obj(object).spec);
  const template = obj(spec.template);
  const strategy = obj(spec.strategy);
  if (!isObject(strategy.canary)) {
    errors.push('spec.strategy.canary is required (KULTA supports the canary strategy)');
  }
  const canary = parseCanary(obj(strategy.canary), namespace, errors);
  const selector = parseSelector(spec, template, errors);
  const replicas = int(spec.replicas, 1);
  if (replicas < 0) errors.push('spec.replicas must be 0 or more');
  if (errors.length > 0) return { errors };
  return {
    errors,
    spec: {
      replicas,
      selector,
      template,
      templateMetadata: podMetadata(template.metadata),
      minReadySeconds: int(spec.minReadySeconds, 0),
      revisionHistoryLimit: int(spec.revisionHistoryLimit, 10),
      progressDeadlineSeconds: int(spec.progressDeadlineSeconds, 600),
      progressDeadlineAbort: spec.progressDeadlineAbort === true,
      paused: spec.paused === true,
      restartAt: str(spec.restartAt),
      canary,
    },
  };
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Reads status. It is KULTA's own record, typed by the CRD; the fields operators patch
 * (Argo's CLI contract: abort, promoteFull, pauseConditions, currentStepIndex) are checked here,
 * and a wrongly typed one is dropped rather than trusted.
 */
export function parseStatus(object: unknown): RolloutStatus {
  const raw = obj(obj(object).status);
  const pauseConditions = Array.isArray(raw.pauseConditions)
    ? raw.pauseConditions.filter(isObject).map((p) => ({
        reason: str(p.reason) ?? 'Unknown',
        startTime: str(p.startTime) ?? '',
      }))
    : undefined;
  const index = raw.currentStepIndex;
  return {
    ...(raw as RolloutStatus),
    abort: bool(raw.abort),
    promoteFull: bool(raw.promoteFull),
    controllerPause: bool(raw.controllerPause),
    pauseConditions,
    currentStepIndex:
      typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : undefined,
  };
}

export function parseRollout(object: unknown): ParsedRollout {
  const metadata = parseMetadata(object);
  const { spec, errors } = parseSpec(object, metadata.namespace);
  return { metadata, spec, specErrors: errors, status: parseStatus(object) };
}

/** A label selector in the API's query form (`app=web,tier=api`), as the scale subresource shows it. */
export function selectorString(selector: LabelSelector): string {
  return Object.entries(selector.matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
