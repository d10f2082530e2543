// Parses an AnalysisRun from the API (untyped JSON) into typed spec and status, naming bad fields.
//
// Arguments in interval, initialDelay, count, the limits, the address and judge.window/step are
// whole placeholders ("{{args.count}}"), resolved here from plain `value` arguments: a Secret
// argument cannot set how or where a run measures. Queries and header values keep their
// placeholders; they are substituted at each measurement, Secret arguments included.
import { parseSampleGuard, type SampleGuard } from './sample-guard.ts';
import { DurationError, parseDuration } from '../duration.ts';
import { ArgumentError } from './args.ts';
import type { Direction } from './judge.ts';
import type { MeasurementPhase, MetricCheck, NoDataPolicy } from './measurement.ts';
import type { AnalysisPhase, MetricPolicy, MetricTally } from './verdict.ts';
import type { WebSource } from './web.ts';
import { parseWeb } from './web-spec.ts';
import { parsePrometheus } from './prometheus-spec.ts';
import { DEFAULT_MEASUREMENT_RETENTION, dryRunMetrics, retentionLimits } from './metric-rules.ts';
import type { RangeQuerySpec } from './range-query.ts';

export type Json = Readonly<Record<string, unknown>>;

/** A spec or status field that cannot be read; the run ends in Error with this message. */
export class RunSpecError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RunSpecError';
    this.field = field;
  }
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** An argument: a value, or a Secret key read at each measurement. */
export interface RunArg {
  readonly name: string;
  readonly value?: string;
  readonly secretKeyRef?: SecretKeyRef;
}

/** OAuth2 client credentials (Argo's fields); clientSecret usually {{args.x}} from a Secret. */
export interface OAuth2Ref {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** May hold {{args.x}} placeholders, substituted at each measurement. */
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

/** Prometheus credentials, by reference: bearer token from a key, a basic-auth Secret, OAuth2. */
export type PrometheusAuthRef =
  | { readonly kind: 'bearer'; readonly secretKeyRef: SecretKeyRef }
  | { readonly kind: 'basic'; readonly secretName: string }
  | ({ readonly kind: 'oauth2' } & OAuth2Ref);

export interface PrometheusSource {
  /** Resolved address; undefined means the configured default. */
  readonly address?: string;
  readonly query?: string;
  readonly timeoutMs?: number;
  /** Skip verifying an https address' TLS certificate (Argo's `insecure`). */
  readonly insecure?: boolean;
  /** Header values may hold {{args.x}} placeholders (substituted at measurement time). */
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  readonly auth?: PrometheusAuthRef;
  /** rangeQuery: the query runs over a window relative to each measurement. */
  readonly range?: RangeQuerySpec;
}

export interface ComparisonSpec {
  readonly name: string;
  readonly kind: 'mannWhitney' | 'twoProportion';
  readonly canaryQuery: string;
  readonly baselineQuery: string;
  readonly canaryTotalQuery?: string;
  readonly baselineTotalQuery?: string;
  readonly direction?: Direction;
  readonly confidence?: number;
  readonly minRelativeEffect?: number;
  readonly minSamples?: number;
  readonly minRateDifference?: number;
  readonly weight?: number;
  readonly critical?: boolean;
  readonly mustHaveData?: boolean;
}

export interface JudgeSpec {
  readonly windowMs?: number;
  readonly stepMs?: number;
  readonly pass?: number;
  readonly marginal?: number;
  readonly maxNoDataFraction?: number;
  readonly comparisons: readonly ComparisonSpec[];
}

/** Where a metric's values come from: exactly one of Argo's providers that KULTA supports. */
export type MetricProvider =
  | { readonly kind: 'prometheus'; readonly prometheus: PrometheusSource }
  | { readonly kind: 'web'; readonly web: WebSource };

export interface RunMetric {
  readonly name: string;
  /** Schedule and limits, placeholders resolved; `dryRun` from spec.dryRun. */
  readonly policy: MetricPolicy;
  readonly check: MetricCheck;
  readonly provider: MetricProvider;
  readonly judge?: JudgeSpec;
  readonly guard?: SampleGuard;
  /** Measurements kept in status (measurementRetention; Argo's default 10). */
  readonly retention: number;
}

export interface AnalysisRunSpec {
  readonly metrics: readonly RunMetric[];
  readonly args: readonly RunArg[];
  readonly terminate: boolean;
}

/** A metric's stored result: Argo's counters (the truth) and the measurements kept. */
export interface StoredMetricResult {
  readonly name: string;
  readonly tally: MetricTally;
  readonly measurements: readonly Json[];
  /** When the newest measurement finished, and its phase (for scheduling). */
  readonly last?: { readonly phase: MeasurementPhase; readonly finishedAt: string };
  readonly raw: Json;
}

export interface StoredRunStatus {
  readonly raw: Json;
  readonly phase?: AnalysisPhase;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly metricResults: readonly StoredMetricResult[];
}

const WHOLE_ARG = /^\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}$/;
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, field: string): Json {
  if (!isObject(value)) throw new RunSpecError(field, 'must be an object');
  return value;
}

export function list(value: unknown, field: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new RunSpecError(field, 'must be a list');
  return value;
}

export function text(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RunSpecError(field, 'must be a string');
  return value;
}

export function required(value: unknown, field: string): string {
  const found = text(value, field);
  if (found === undefined || found === '') throw new RunSpecError(field, 'is required');
  return found;
}

export function num(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RunSpecError(field, 'must be a number');
  }
  return value;
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new RunSpecError(field, 'must be true or false');
  return value;
}

/** Plain argument values for the fields that take one whole placeholder. */
export type PlainArgs = ReadonlyMap<string, string>;

/** A string field that may be one whole {{args.x}}, resolved from a plain argument. */
export function resolved(
  value: string | undefined,
  field: string,
  args: PlainArgs,
): string | undefined {
  if (value === undefined) return undefined;
  const name = WHOLE_ARG.exec(value.trim())?.[1];
  return name === undefined ? value : plainArg(args, name, field);
}

/** The plain value of argument `name` for `field`; RunSpecError when it has none. */
export function plainArg(args: PlainArgs, name: string, field: string): string {
  const found = args.get(name);
  if (found === undefined) {
    throw new RunSpecError(
      field,
      `uses {{args.${name}}}, which has no value (a Secret argument cannot set ${field})`,
    );
  }
  return found;
}

function duration(value: unknown, field: string, args: PlainArgs): string | undefined {
  const source = resolved(text(value, field), field, args);
  if (source === undefined) return undefined;
  try {
    parseDuration(source);
  } catch (error) {
    if (error instanceof DurationError) throw new RunSpecError(field, error.message);
    throw error;
  }
  return source;
}

function durationMs(value: unknown, field: string, args: PlainArgs): number | undefined {
  const source = duration(value, field, args);
  return source === undefined ? undefined : parseDuration(source);
}

/** An int-or-string field: a whole number, digits, or one placeholder; at least `min`. */
function wholeNumber(value: unknown, field: string, args: PlainArgs, min: number) {
  if (value === undefined) return undefined;
  const source = typeof value === 'string' ? resolved(value, field, args) : value;
  const n = typeof source === 'string' && /^\s*-?\d+\s*$/.test(source) ? Number(source) : source;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new RunSpecError(field, `must be a whole number ≥ ${min}, got ${JSON.stringify(source)}`);
  }
  return n;
}

export function secretKeyRef(value: unknown, field: string): SecretKeyRef {
  const ref = object(value, field);
  return { name: required(ref.name, `${field}.name`), key: required(ref.key, `${field}.key`) };
}

function parseArg(value: unknown, field: string): RunArg {
  const arg = object(value, field);
  const name = required(arg.name, `${field}.name`);
  const plain = text(arg.value, `${field}.value`);
  if (plain !== undefined) return { name, value: plain };
  if (arg.valueFrom === undefined) throw new RunSpecError(field, `argument "${name}" has no value`);
  const from = object(arg.valueFrom, `${field}.valueFrom`);
  if (from.secretKeyRef === undefined) {
    throw new RunSpecError(
      `${field}.valueFrom`,
      `argument "${name}" must be resolved to a value when the run is created (only secretKeyRef stays a reference)`,
    );
  }
  return { name, secretKeyRef: secretKeyRef(from.secretKeyRef, `${field}.valueFrom.secretKeyRef`) };
}

function parseComparison(value: unknown, field: string): ComparisonSpec {
  const c = object(value, field);
  const kind = required(c.kind, `${field}.kind`);
  if (kind !== 'mannWhitney' && kind !== 'twoProportion') {
    throw new RunSpecError(`${field}.kind`, `must be mannWhitney or twoProportion, got ${kind}`);
  }
  const direction = text(c.direction, `${field}.direction`);
  if (direction !== undefined && !['increase', 'decrease', 'either'].includes(direction)) {
    throw new RunSpecError(`${field}.direction`, `must be increase, decrease or either`);
  }
  const totals = kind === 'twoProportion';
  const optional = {
    canaryTotalQuery: totals
      ? required(c.canaryTotalQuery, `${field}.canaryTotalQuery`)
      : undefined,
    baselineTotalQuery: totals
      ? required(c.baselineTotalQuery, `${field}.baselineTotalQuery`)
      : undefined,
    direction: direction as Direction | undefined,
    confidence: num(c.confidence, `${field}.confidence`),
    minRelativeEffect: num(c.minRelativeEffect, `${field}.minRelativeEffect`),
    minSamples: num(c.minSamples, `${field}.minSamples`),
    minRateDifference: num(c.minRateDifference, `${field}.minRateDifference`),
    weight: num(c.weight, `${field}.weight`),
    critical: bool(c.critical, `${field}.critical`),
    mustHaveData: bool(c.mustHaveData, `${field}.mustHaveData`),
  };
  const defined = Object.entries(optional).filter(([, v]) => v !== undefined);
  return {
    name: required(c.name, `${field}.name`),
    kind,
    canaryQuery: required(c.canaryQuery, `${field}.canaryQuery`),
    baselineQuery: required(c.baselineQuery, `${field}.baselineQuery`),
    ...(Object.fromEntries(defined) as Partial<ComparisonSpec>),
  };
}

function parseJudge(value: unknown, field: string, args: PlainArgs): JudgeSpec {
  const judge = object(value, field);
  const threshold =
    judge.threshold === undefined ? {} : object(judge.threshold, `${field}.threshold`);
  const comparisons = list(judge.comparisons, `${field}.comparisons`).map((c, i) =>
    parseComparison(c, `${field}.comparisons[${i}]`),
  );
  if (comparisons.length === 0) throw new RunSpecError(`${field}.comparisons`, 'needs one or more');
  const windowMs = durationMs(judge.window, `${field}.window`, args);
  const stepMs = durationMs(judge.step, `${field}.step`, args);
  const sampled = comparisons.some((c) => c.kind === 'mannWhitney');
  if (sampled && (windowMs === undefined || stepMs === undefined || stepMs <= 0)) {
    throw new RunSpecError(field, 'mannWhitney comparisons need judge.window and judge.step');
  }
  const optional = {
    windowMs,
    stepMs,
    pass: num(threshold.pass, `${field}.threshold.pass`),
    marginal: num(threshold.marginal, `${field}.threshold.marginal`),
    maxNoDataFraction: num(judge.maxNoDataFraction, `${field}.maxNoDataFraction`),
  };
  const defined = Object.entries(optional).filter(([, v]) => v !== undefined);
  return { comparisons, ...(Object.fromEntries(defined) as Partial<JudgeSpec>) };
}

function parsePolicy(m: Json, field: string, args: PlainArgs, dryRun: boolean): MetricPolicy {
  const policy = {
    interval: duration(m.interval, `${field}.interval`, args),
    initialDelay: duration(m.initialDelay, `${field}.initialDelay`, args),
    count: wholeNumber(m.count, `${field}.count`, args, 1),
    failureLimit: wholeNumber(m.failureLimit, `${field}.failureLimit`, args, 0),
    inconclusiveLimit: wholeNumber(m.inconclusiveLimit, `${field}.inconclusiveLimit`, args, 0),
    consecutiveErrorLimit: wholeNumber(
      m.consecutiveErrorLimit,
      `${field}.consecutiveErrorLimit`,
      args,
      0,
    ),
    dryRun,
  };
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined));
}

function parseProvider(m: Json, field: string, args: PlainArgs): MetricProvider {
  const provider = object(m.provider, `${field}.provider`);
  if (provider.web !== undefined) {
    if (m.judge !== undefined || m.sampleGuard !== undefined) {
      throw new RunSpecError(
        field,
        'judge and sampleGuard query Prometheus: they need provider.prometheus',
      );
    }
    return { kind: 'web', web: parseWeb(provider.web, `${field}.provider.web`) };
  }
  if (provider.prometheus === undefined) {
    throw new RunSpecError(
      `${field}.provider`,
      'needs prometheus or web (the providers KULTA supports)',
    );
  }
  const prometheus = parsePrometheus(provider.prometheus, `${field}.provider.prometheus`, args);
  if (m.judge !== undefined && prometheus.range !== undefined) {
    throw new RunSpecError(
      `${field}.provider.prometheus.rangeQuery`,
      'a judged metric reads its own ranges (judge.window and judge.step); remove rangeQuery',
    );
  }
  if (m.judge === undefined && prometheus.query === undefined) {
    throw new RunSpecError(`${field}.provider.prometheus.query`, 'is required without a judge');
  }
  return { kind: 'prometheus', prometheus };
}

function parseMetric(value: unknown, field: string, args: PlainArgs): Omit<RunMetric, 'retention'> {
  const m = object(value, field);
  const name = required(m.name, `${field}.name`);
  const provider = parseProvider(m, field, args);
  const judge = m.judge === undefined ? undefined : parseJudge(m.judge, `${field}.judge`, args);
  const noDataPolicy = text(m.noDataPolicy, `${field}.noDataPolicy`);
  if (noDataPolicy !== undefined && !['fail', 'inconclusive', 'pass'].includes(noDataPolicy)) {
    throw new RunSpecError(`${field}.noDataPolicy`, 'must be fail, inconclusive or pass');
  }
  const check = Object.fromEntries(
    Object.entries({
      successCondition: text(m.successCondition, `${field}.successCondition`),
      failureCondition: text(m.failureCondition, `${field}.failureCondition`),
      noDataPolicy: noDataPolicy as NoDataPolicy | undefined,
    }).filter(([, v]) => v !== undefined),
  ) as MetricCheck;
  const policy = parsePolicy(m, field, args, false);
  const guard = guarded(m.sampleGuard, `${field}.sampleGuard`);
  return {
    name,
    policy,
    check,
    provider,
    ...(judge ? { judge } : {}),
    ...(guard ? { guard } : {}),
  };
}

function guarded(value: unknown, field: string): SampleGuard | undefined {
  try {
    return parseSampleGuard(value, field);
  } catch (error) {
    const [where = field, ...rest] = (error as Error).message.split(': ');
    throw new RunSpecError(where, rest.join(': '));
  }
}

/** The run's spec, typed; throws RunSpecError naming the field. */
export function parseRunSpec(value: unknown): AnalysisRunSpec {
  const spec = object(value, 'spec');
  const args = list(spec.args, 'spec.args').map((a, i) => parseArg(a, `spec.args[${i}]`));
  const plain = new Map(
    args.flatMap((a) => (a.value === undefined ? [] : [[a.name, a.value] as const])),
  );
  const parsed = list(spec.metrics, 'spec.metrics').map((m, i) =>
    parseMetric(m, `spec.metrics[${i}]`, plain),
  );
  if (parsed.length === 0) throw new RunSpecError('spec.metrics', 'needs one or more metrics');
  const names = parsed.map((m) => m.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new RunSpecError('spec.metrics', `metric "${duplicate}" appears twice`);
  }
  const dry = dryRunMetrics(spec, names);
  const limits = retentionLimits(spec, names);
  const metrics = parsed.map((m) => ({
    ...m,
    policy: { ...m.policy, dryRun: dry.has(m.name) },
    retention: limits.get(m.name) ?? DEFAULT_MEASUREMENT_RETENTION,
  }));
  return { metrics, args, terminate: bool(spec.terminate, 'spec.terminate') ?? false };
}

/** Whether `error` is one this module (or argument resolution) throws for bad input. */
export function isSpecProblem(error: unknown): error is RunSpecError | ArgumentError {
  return error instanceof RunSpecError || error instanceof ArgumentError;
}
