// Measures AnalysisRuns: reads the run and its Secrets, takes the due measurements from Prometheus,
// writes status with a resourceVersion precondition (a conflict re-reads and re-folds).
import { guardShortfall, shortfallMeasurement } from '../../core/analysis/sample-guard.ts';
import { isDeepStrictEqual } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ArgumentError, argumentsUsed, substituteArgs } from '../../core/analysis/args.ts';
import { sampleValues } from '../../core/analysis/prometheus-result.ts';
import {
  dueMetrics,
  foldMeasurements,
  invalidRunStatus,
  isFinished,
  nextMeasurementAt,
  parseAnalysisRun,
  parseRunStatus,
  substituteHeaders,
  type AnalysisRunSpec,
  type AnalysisRunStatus,
  type Json,
  type JudgeSpec,
  type PrometheusSource,
  type RunMetric,
  type TakenMeasurement,
} from '../../core/analysis/run.ts';
import { judgeMeasurement, type ComparisonData } from '../../core/analysis/run-judge.ts';
import type { AnalysisPhase } from '../../core/analysis/verdict.ts';
import {
  createPrometheusQuerier,
  readSamples,
  takeMeasurement,
  type MetricsQuerier,
  type PrometheusConnection,
} from '../prometheus.ts';
import {
  MeasurementProblem,
  SecretCache,
  authFor,
  resolveArgs,
  type ResolvedArgs,
} from './analysis-credentials.ts';
import { measureWeb } from '../web.ts';
import { classify, isConflict, isNotFound, retryOnConflict } from './errors.ts';

export const analysisRunApi = {
  group: 'kulta.io',
  version: 'v1alpha1',
  plural: 'analysisruns',
} as const;

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface AnalysisRunsOptions {
  /** Prometheus for metrics without provider.prometheus.address. */
  readonly defaultPrometheusAddress?: string;
  /** Status writes retried after a 409 (default 5). */
  readonly conflictRetries?: number;
  readonly fetch?: FetchLike;
}

/** What one visit did, for logs and metrics. */
export interface MeasureSummary {
  /** False when the run does not exist (any more). */
  readonly found: boolean;
  readonly phase?: AnalysisPhase;
  readonly measurementsTaken: number;
  /** Whether status was written. */
  readonly written: boolean;
  /** When the next measurement is due, if the run is still measuring. */
  readonly nextMeasurementAt?: string;
}

interface Visit {
  readonly now: string;
  taken: readonly TakenMeasurement[] | undefined;
}

export class KubernetesAnalysisRuns {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #options: AnalysisRunsOptions;

  constructor(kc: KubeConfig, options: AnalysisRunsOptions = {}) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#options = options;
  }

  /** Takes the measurements due at `now` (RFC 3339) and writes the run's status. */
  async measure(namespace: string, name: string, now: string): Promise<MeasureSummary> {
    const visit: Visit = { now, taken: undefined };
    return retryOnConflict(
      `writing status of AnalysisRun ${namespace}/${name}`,
      async () => {
        const run = await this.#get(namespace, name);
        if (run === undefined) {
          return { found: false, measurementsTaken: visit.taken?.length ?? 0, written: false };
        }
        return this.#visit(namespace, run, visit);
      },
      this.#options.conflictRetries ?? 5,
    );
  }

  /** One read-measure-write pass; a 409 from the write propagates for the caller to re-read. */
  async #visit(namespace: string, run: Json, visit: Visit): Promise<MeasureSummary> {
    const parsed = parseAnalysisRun(run);
    if (!parsed.ok) return this.#writeInvalid(run, parsed, visit.now);
    const { spec, status } = parsed;
    const measurementsTaken = visit.taken?.length ?? 0;
    if (isFinished(status.phase)) {
      return { found: true, phase: status.phase, measurementsTaken, written: false };
    }
    const due = dueMetrics(spec, status, visit.now);
    // Measure once per visit; on a retry fold only what is still due (another writer may have
    // measured meanwhile, and its measurements must not be counted twice).
    visit.taken ??= await this.#takeAll(namespace, spec, due, visit.now);
    const stillDue = new Set(due.map((m) => m.name));
    const taken = visit.taken.filter((t) => stillDue.has(t.metric));
    const next = foldMeasurements({ spec, status, taken, now: visit.now });
    const summary = {
      found: true,
      phase: next.phase,
      measurementsTaken: visit.taken.length,
      ...optional('nextMeasurementAt', nextMeasurementAt(spec, parseRunStatus(next), visit.now)),
    };
    if (isDeepStrictEqual(next, status.raw)) return { ...summary, written: false };
    await this.#writeStatus(run, next);
    return { ...summary, written: true };
  }

  async #get(namespace: string, name: string): Promise<Json | undefined> {
    try {
      return (await this.#custom.getNamespacedCustomObject({
        ...analysisRunApi,
        namespace,
        name,
      })) as Json;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classify(error, `reading AnalysisRun ${namespace}/${name}`);
    }
  }

  async #writeStatus(run: Json, status: AnalysisRunStatus): Promise<void> {
    const metadata = (run.metadata ?? {}) as {
      name: string;
      namespace: string;
      resourceVersion?: string;
    };
    await this.#custom.replaceNamespacedCustomObjectStatus({
      ...analysisRunApi,
      namespace: metadata.namespace,
      name: metadata.name,
      body: {
        apiVersion: `${analysisRunApi.group}/${analysisRunApi.version}`,
        kind: 'AnalysisRun',
        metadata: {
          name: metadata.name,
          namespace: metadata.namespace,
          resourceVersion: metadata.resourceVersion,
        },
        status,
      },
    });
  }

  async #writeInvalid(
    run: Json,
    parsed: { readonly message: string; readonly status: Json },
    now: string,
  ): Promise<MeasureSummary> {
    const phase = parsed.status.phase;
    if (isFinished(phase as AnalysisPhase | undefined)) {
      return { found: true, phase: phase as AnalysisPhase, measurementsTaken: 0, written: false };
    }
    try {
      await this.#writeStatus(run, invalidRunStatus(parsed.status, parsed.message, now));
    } catch (error) {
      // A conflict: someone else wrote; the next visit sees their change and decides again.
      if (!isConflict(error)) throw classify(error, 'writing status of an invalid AnalysisRun');
      return { found: true, measurementsTaken: 0, written: false };
    }
    return { found: true, phase: 'Error', measurementsTaken: 0, written: true };
  }

  async #takeAll(
    namespace: string,
    spec: AnalysisRunSpec,
    due: readonly RunMetric[],
    now: string,
  ): Promise<TakenMeasurement[]> {
    if (due.length === 0) return [];
    const secrets = new SecretCache(this.#core, namespace);
    const args = await resolveArgs(spec, secrets);
    return Promise.all(due.map((metric) => this.#takeOne({ metric, args, secrets, now })));
  }

  /** The guard's shortfall (no data), or undefined when the metric may be judged. */
  async #guard(querier: MetricsQuerier, input: MeasureInput): Promise<string | undefined> {
    const guard = input.metric.guard;
    if (!guard) return undefined;
    const query = substituteArgs(guard.query, input.args.values);
    return guardShortfall(guard, await querier.query(query, new Date(input.now)));
  }

  async #takeOne(input: MeasureInput): Promise<TakenMeasurement> {
    const { metric, now } = input;
    const { provider } = metric;
    switch (provider.kind) {
      case 'prometheus':
        return this.#takePrometheus(input, provider.prometheus);
      case 'web': {
        const measured = await measureWeb(metric.check, provider.web, input.args);
        return { metric: metric.name, startedAt: now, finishedAt: now, ...measured };
      }
    }
  }

  async #takePrometheus(
    input: MeasureInput,
    prometheus: PrometheusSource,
  ): Promise<TakenMeasurement> {
    const { metric, now } = input;
    const base = { metric: metric.name, startedAt: now, finishedAt: now };
    try {
      const querier = await this.#querier(input, prometheus);
      if (metric.judge !== undefined) {
        const judged = await measureJudge(querier, metric.judge, input.args.values, new Date(now));
        return { ...base, ...judged };
      }
      const query = prometheus.query ?? '';
      const shortfall = await this.#guard(querier, input);
      if (shortfall !== undefined) {
        const result = shortfallMeasurement(metric.check, query, shortfall);
        return { ...base, phase: result.phase, query, message: shortfall };
      }
      const result = await takeMeasurement(
        querier,
        { query, ...metric.check, ...optional('range', prometheus.range) },
        input.args.values,
        new Date(now),
      );
      const shown = usesAny(query, input.args.secretNames) ? query : result.query;
      return {
        ...base,
        phase: result.phase,
        query: shown,
        ...optional('value', result.value),
        ...optional('message', result.message),
      };
    } catch (error) {
      if (!(error instanceof MeasurementProblem || error instanceof ArgumentError)) throw error;
      return {
        ...base,
        phase: 'Error',
        message: error.message,
        ...optional('query', prometheus.query),
      };
    }
  }

  async #querier(input: MeasureInput, prometheus: PrometheusSource): Promise<MetricsQuerier> {
    const { metric, args } = input;
    const oauth = prometheus.auth?.kind === 'oauth2' ? prometheus.auth : undefined;
    const used = [
      prometheus.query ?? '',
      oauth?.clientId ?? '',
      oauth?.clientSecret ?? '',
      ...prometheus.headers.map((h) => h.value),
      ...judgeQueries(metric.judge),
    ];
    for (const name of used.flatMap(argumentsUsed)) {
      const problem = args.problems.get(name);
      if (problem !== undefined) throw new MeasurementProblem(`argument "${name}": ${problem}`);
    }
    const address = prometheus.address ?? this.#options.defaultPrometheusAddress;
    if (address === undefined) {
      throw new MeasurementProblem('no Prometheus address: set provider.prometheus.address');
    }
    const connection: PrometheusConnection = {
      address,
      headers: substituteHeaders(prometheus.headers, args.values),
      ...optional('timeoutMs', prometheus.timeoutMs),
      ...optional('insecure', prometheus.insecure),
      ...optional('auth', await authFor(prometheus, input, this.#options.fetch)),
    };
    return createPrometheusQuerier(connection, this.#options.fetch);
  }
}

interface MeasureInput {
  readonly metric: RunMetric;
  readonly args: ResolvedArgs;
  readonly secrets: SecretCache;
  readonly now: string;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function usesAny(template: string, names: ReadonlySet<string>): boolean {
  return argumentsUsed(template).some((n) => names.has(n));
}

function judgeQueries(judge: JudgeSpec | undefined): string[] {
  return (judge?.comparisons ?? []).flatMap((c) =>
    [c.canaryQuery, c.baselineQuery, c.canaryTotalQuery, c.baselineTotalQuery].filter(
      (q) => q !== undefined,
    ),
  );
}

/** Reads every comparison's data over the judge window ending at `at`, then judges. */
async function measureJudge(
  querier: MetricsQuerier,
  judge: JudgeSpec,
  args: Readonly<Record<string, string | undefined>>,
  at: Date,
) {
  const data = new Map<string, ComparisonData>();
  for (const c of judge.comparisons) {
    const q = (template: string): string => substituteArgs(template, args);
    if (c.kind === 'mannWhitney') {
      const window = {
        start: new Date(at.getTime() - (judge.windowMs ?? 0)),
        end: at,
        stepSeconds: (judge.stepMs ?? 1000) / 1000,
      };
      const read = async (query: string): Promise<number[]> => {
        const samples = await readSamples(querier, query, window);
        if (!samples.ok)
          throw new MeasurementProblem(`comparison ${c.name}: ${samples.failure.message}`);
        return samples.values;
      };
      data.set(c.name, {
        kind: 'samples',
        canary: await read(q(c.canaryQuery)),
        baseline: await read(q(c.baselineQuery)),
      });
      continue;
    }
    const count = async (template: string | undefined): Promise<number> =>
      instantSum(querier, q(template ?? ''), at, c.name);
    const canary = { events: await count(c.canaryQuery), total: await count(c.canaryTotalQuery) };
    const baseline = {
      events: await count(c.baselineQuery),
      total: await count(c.baselineTotalQuery),
    };
    data.set(c.name, { kind: 'counts', canary, baseline });
  }
  return judgeMeasurement(judge, data);
}

/** One number from an instant query: the sum over its series (no series, or NaN, is 0). */
async function instantSum(
  querier: MetricsQuerier,
  query: string,
  at: Date,
  comparison: string,
): Promise<number> {
  const answer = await querier.query(query, at);
  if (!answer.ok)
    throw new MeasurementProblem(`comparison ${comparison}: ${answer.failure.message}`);
  return sampleValues(answer.data)
    .filter((v) => Number.isFinite(v))
    .reduce((sum, v) => sum + v, 0);
}
