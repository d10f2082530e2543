// AnalysisRuns of a Rollout on the Kubernetes API: listing them, creating one from its
// AnalysisTemplates (metrics, dry-run and arguments merged, the Rollout's arguments winning), and
// asking one to stop (spec.terminate).
import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Action, ResolvedArg } from '../../core/actions.ts';
import { hashLabel } from '../../core/canary/world.ts';
import { experimentOutcomes } from '../../core/analysis/experiment.ts';
import type { ObservedAnalysisRun } from '../../core/observed.ts';
import type { AnalysisTemplateRef, JsonObject } from '../../core/rollout/types.ts';
import type { Fence, RolloutRef } from '../../ports.ts';
import { StalledError } from '../../runtime/errors.ts';
import { classify, isConflict, isNotFound } from './errors.ts';
import { fenceAnnotations, rolloutOwnerReference } from './fence.ts';

export const analysisApi = { group: 'kulta.io', version: 'v1alpha1' } as const;
export const rolloutLabel = 'kulta.io/rollout';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface TemplateArg {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: JsonObject;
}

interface TemplateSpec {
  readonly metrics?: JsonObject[];
  readonly args?: TemplateArg[];
  readonly dryRun?: JsonObject[];
  readonly measurementRetention?: JsonObject[];
}

type CreateRun = Extract<Action, { kind: 'createAnalysisRun' }>;

/** Template arguments with the Rollout's values laid over them; each must end with a value. */
function mergeArgs(
  templateArgs: readonly TemplateArg[],
  given: readonly ResolvedArg[],
  context: {
    readonly stableHash: string;
    readonly action: CreateRun;
    readonly rollout: RolloutRef;
  },
): TemplateArg[] {
  const byName = new Map<string, TemplateArg>();
  for (const arg of templateArgs) byName.set(arg.name, arg);
  for (const arg of given) byName.set(arg.name, { name: arg.name, value: arg.value });
  return [...byName.values()].map((arg) => resolveTemplateArg(arg, context));
}

function resolveTemplateArg(
  arg: TemplateArg,
  context: {
    readonly stableHash: string;
    readonly action: CreateRun;
    readonly rollout: RolloutRef;
  },
): TemplateArg {
  if (arg.value !== undefined || arg.valueFrom?.secretKeyRef !== undefined) return arg;
  const which = arg.valueFrom?.podTemplateHashValue;
  if (which === 'Stable') return { name: arg.name, value: context.stableHash };
  if (which === 'Latest') return { name: arg.name, value: context.action.podTemplateHash };
  const path = (arg.valueFrom?.fieldRef as { fieldPath?: string } | undefined)?.fieldPath;
  if (path === 'metadata.name') return { name: arg.name, value: context.rollout.name };
  if (path === 'metadata.namespace') return { name: arg.name, value: context.rollout.namespace };
  throw new StalledError(
    `AnalysisRun ${context.action.name}: argument "${arg.name}" has no value; set it in the Rollout's analysis args`,
  );
}

/** Names of the deciding metrics (dry-run ones excluded) whose phase is Failed or Error. */
export function failingMetrics(metricResults: unknown): string[] {
  if (!Array.isArray(metricResults)) return [];
  return metricResults.flatMap((entry: unknown) => {
    const r = (entry ?? {}) as { name?: unknown; phase?: unknown; dryRun?: unknown };
    const failing = r.phase === 'Failed' || r.phase === 'Error';
    return failing && r.dryRun !== true && typeof r.name === 'string' ? [r.name] : [];
  });
}

export class AnalysisRunLauncher {
  readonly #api: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
  }

  /** The runs the Rollout (by uid) owns. */
  async list(ref: RolloutRef, uid: string): Promise<ObservedAnalysisRun[]> {
    try {
      const list = (await this.#api.listNamespacedCustomObject({
        ...analysisApi,
        plural: 'analysisruns',
        namespace: ref.namespace,
        labelSelector: `${rolloutLabel}=${ref.name}`,
      })) as { items: JsonObject[] };
      return list.items
        .filter((run) => ownedBy(run, uid))
        .map((run) => {
          const status = (run.status ?? {}) as {
            phase?: string;
            message?: string;
            metricResults?: unknown;
          };
          const experiments = experimentOutcomes(status.metricResults);
          const failedMetrics = failingMetrics(status.metricResults);
          const spec = (run.spec ?? {}) as { terminate?: boolean };
          const name = (run.metadata as { name: string }).name;
          return {
            name,
            phase: status.phase ?? 'Pending',
            message: status.message ?? '',
            ...(failedMetrics.length > 0 ? { failedMetrics } : {}),
            terminated: spec.terminate === true,
            ...(experiments.length > 0 ? { experiments } : {}),
          };
        });
    } catch (error) {
      throw classify(error, `listing AnalysisRuns of ${ref.namespace}/${ref.name}`);
    }
  }

  async #template(namespace: string, ref: AnalysisTemplateRef): Promise<TemplateSpec> {
    const kind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    try {
      const object = (await (ref.clusterScope
        ? this.#api.getClusterCustomObject({
            ...analysisApi,
            plural: 'clusteranalysistemplates',
            name: ref.templateName,
          })
        : this.#api.getNamespacedCustomObject({
            ...analysisApi,
            plural: 'analysistemplates',
            namespace,
            name: ref.templateName,
          }))) as { spec?: TemplateSpec };
      return object.spec ?? {};
    } catch (error) {
      if (isNotFound(error)) {
        throw new StalledError(
          `${kind} ${ref.templateName} does not exist (named by the Rollout's analysis)`,
          { cause: error },
        );
      }
      throw classify(error, `reading ${kind} ${ref.templateName}`);
    }
  }

  /** Creates the run from its templates; one that exists already is left as it is. */
  async create(action: CreateRun, fence: Fence): Promise<void> {
    const { namespace, name: rollout } = fence.rollout;
    const templates = await Promise.all(action.templates.map((t) => this.#template(namespace, t)));
    const metrics = templates.flatMap((t) => t.metrics ?? []);
    const names = metrics.map((m) => (typeof m.name === 'string' ? m.name : ''));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice)
      throw new StalledError(
        `AnalysisRun ${action.name}: metric "${twice}" is defined by two templates`,
      );
    const context = { stableHash: action.stableHash, action, rollout: fence.rollout };
    const args = mergeArgs(
      templates.flatMap((t) => t.args ?? []),
      action.args,
      context,
    );
    const dryRun = byMetricName(templates.flatMap((t) => t.dryRun ?? []));
    const retention = byMetricName(templates.flatMap((t) => t.measurementRetention ?? []));
    const role = typeof action.role === 'number' ? `step-${String(action.role)}` : action.role;
    const body = {
      apiVersion: `${analysisApi.group}/${analysisApi.version}`,
      kind: 'AnalysisRun',
      metadata: {
        name: action.name,
        labels: {
          ...action.metadata?.labels,
          [rolloutLabel]: rollout,
          [hashLabel]: action.podTemplateHash,
          'kulta.io/analysis': role,
        },
        annotations: { ...action.metadata?.annotations, ...fenceAnnotations(fence) },
        ownerReferences: [rolloutOwnerReference(fence)],
      },
      spec: {
        metrics,
        ...(args.length > 0 ? { args } : {}),
        ...(dryRun.length > 0 ? { dryRun } : {}),
        ...(retention.length > 0 ? { measurementRetention: retention } : {}),
      },
    };
    try {
      await this.#api.createNamespacedCustomObject({
        ...analysisApi,
        plural: 'analysisruns',
        namespace,
        body,
      });
    } catch (error) {
      if (isConflict(error)) return;
      throw classify(error, `creating AnalysisRun ${namespace}/${action.name}`);
    }
  }

  async terminate(name: string, fence: Fence): Promise<void> {
    const namespace = fence.rollout.namespace;
    try {
      await this.#api.patchNamespacedCustomObject(
        {
          ...analysisApi,
          plural: 'analysisruns',
          namespace,
          name,
          body: { spec: { terminate: true } },
        },
        mergePatch,
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw classify(error, `terminating AnalysisRun ${namespace}/${name}`);
    }
  }
}

/** Rules of several templates, one per metricName (the list's map key), the last one winning. */
function byMetricName(rules: readonly JsonObject[]): JsonObject[] {
  return [...new Map(rules.map((r) => [JSON.stringify(r.metricName), r])).values()];
}

function ownedBy(run: JsonObject, uid: string): boolean {
  const owners = (run.metadata as { ownerReferences?: { uid?: string; controller?: boolean }[] })
    .ownerReferences;
  return owners?.some((o) => o.uid === uid && o.controller === true) === true;
}
