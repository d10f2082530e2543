// Parses a Rollout object from the API into typed values, once, at the boundary. The CRD
// schema refuses most bad specs; what it cannot check is reported here with the field's path.
import { DurationError, parseDuration } from '../duration.ts';
import {
  int,
  intOrPercent,
  isObject,
  obj,
  optionalInt,
  podMetadata,
  str,
  stringMap,
} from './json-read.ts';
import { parseAnalysisStep, parseBackground } from './parse-analysis.ts';
import { fieldRefErrors } from './field-ref.ts';
import { parseHeaderRouteStep } from './parse-header-routes.ts';
import { parseRouting } from './parse-routing.ts';
import { parseBlueGreen, parseSimple } from './parse-strategy.ts';
import type {
  CanaryScale,
  CanaryStrategy,
  Json,
  JsonObject,
  LabelSelector,
  ReplicaProgressThreshold,
  RolloutMeta,
  RolloutSpec,
  RolloutStatus,
  Step,
} from './types.ts';

export { gatewayApiPlugin } from './parse-routing.ts';

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
    ...(str(m.deletionTimestamp) === undefined
      ? {}
      : { deletionTimestamp: str(m.deletionTimestamp) }),
    finalizers: Array.isArray(m.finalizers)
      ? m.finalizers.filter((f): f is string => typeof f === 'string')
      : [],
  };
}

function parseStep(raw: Json | undefined, path: string, errors: string[]): Step | undefined {
  const s = obj(raw);
  const keys = Object.keys(s);
  if (keys.length !== 1) {
    errors.push(
      `${path} must set exactly one of setWeight, pause, setCanaryScale, analysis, setHeaderRoute`,
    );
    return undefined;
  }
  if ('setWeight' in s) return parseSetWeight(s.setWeight, path, errors);
  if ('pause' in s) {
    const d = obj(s.pause).duration;
    if (d === undefined) return { kind: 'pause', durationSeconds: undefined };
    return parsePauseDuration(d, path, errors);
  }
  if ('setCanaryScale' in s) return parseCanaryScale(obj(s.setCanaryScale), path, errors);
  if ('analysis' in s) return parseAnalysisStep(obj(s.analysis), `${path}.analysis`, errors);
  if ('setHeaderRoute' in s) {
    return parseHeaderRouteStep(obj(s.setHeaderRoute), `${path}.setHeaderRoute`, errors);
  }
  errors.push(`${path}: "${keys[0] ?? ''}" steps are not supported by KULTA`);
  return undefined;
}

function parseSetWeight(w: Json | undefined, path: string, errors: string[]): Step | undefined {
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100) {
    errors.push(`${path}.setWeight must be a whole number from 0 to 100`);
    return undefined;
  }
  return { kind: 'setWeight', weight: w };
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

/** The schema checked type and range; anything else is absent (all pods). */
function progressThreshold(raw: unknown): ReplicaProgressThreshold | undefined {
  if (!isObject(raw) || typeof raw.value !== 'number') return undefined;
  if (raw.type !== 'Percent' && raw.type !== 'Pod') return undefined;
  return { type: raw.type, value: raw.value };
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
    maxSurge: intOrPercent(canary.maxSurge, '25%'),
    maxUnavailable: intOrPercent(canary.maxUnavailable, '25%'),
    scaleDownDelaySeconds: int(canary.scaleDownDelaySeconds, 30),
    scaleDownDelayRevisionLimit: optionalInt(canary.scaleDownDelayRevisionLimit),
    abortScaleDownDelaySeconds: int(canary.abortScaleDownDelaySeconds, 30),
    dynamicStableScale: canary.dynamicStableScale === true,
    replicaProgressThreshold: progressThreshold(canary.replicaProgressThreshold),
    canaryMetadata: podMetadata(canary.canaryMetadata),
    stableMetadata: podMetadata(canary.stableMetadata),
    trafficRouting,
    steps,
    analysis: parseBackground(canary, errors),
  };
}

type ParsedStrategy = Pick<RolloutSpec, 'strategy' | 'canary' | 'blueGreen'>;

/** Exactly one of canary, blueGreen, simple. */
function parseStrategy(strategy: JsonObject, namespace: string, errors: string[]): ParsedStrategy {
  const set = (['canary', 'blueGreen', 'simple'] as const).filter((k) => isObject(strategy[k]));
  if (set.length !== 1) {
    errors.push(
      `spec.strategy must set exactly one of canary, blueGreen, simple${set.length > 1 ? ` (found ${set.join(', ')})` : ''}`,
    );
  }
  if (set[0] === 'blueGreen') {
    const { blueGreen, view } = parseBlueGreen(obj(strategy.blueGreen), namespace, errors);
    return { strategy: 'blueGreen', canary: view, blueGreen };
  }
  if (set[0] === 'simple') {
    return { strategy: 'simple', canary: parseSimple(obj(strategy.simple)), blueGreen: undefined };
  }
  const canary = parseCanary(obj(strategy.canary), namespace, errors);
  return { strategy: 'canary', canary, blueGreen: undefined };
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
  const strategy = parseStrategy(obj(spec.strategy), namespace, errors);
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
      ...strategy,
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
/** An integer; earlier KULTA wrote a string (as Argo does), which kstatus cannot read. */
function observedGeneration(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

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
    observedGeneration: observedGeneration(raw.observedGeneration),
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
  const parsed = parseSpec(object, metadata.namespace);
  const unresolved = parsed.spec ? fieldRefErrors(metadata, parsed.spec) : [];
  if (unresolved.length > 0) {
    return { metadata, spec: undefined, specErrors: unresolved, status: parseStatus(object) };
  }
  return { metadata, spec: parsed.spec, specErrors: parsed.errors, status: parseStatus(object) };
}

/** A label selector in the API's query form (`app=web,tier=api`), as the scale subresource shows it. */
export function selectorString(selector: LabelSelector): string {
  return Object.entries(selector.matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
