// valueFrom.fieldRef of a Rollout's analysis arguments: the metadata.* and
// spec.template.metadata.* paths Argo resolves (metadata.name, metadata.labels['app'],
// spec.template.metadata.annotations['team'], …). A path KULTA cannot read, or a label or
// annotation that is not set, is an error naming the path — never an empty string, which would
// silently measure the wrong thing (Argo's fieldpath gives "" for a missing label).
import type { PodMetadata, RolloutAnalysis, RolloutMeta, RolloutSpec } from './types.ts';

/** What a fieldRef can read: the Rollout's metadata and its pod template's. */
export interface FieldSource {
  readonly meta: Pick<RolloutMeta, 'name' | 'namespace' | 'uid' | 'labels' | 'annotations'>;
  readonly template: PodMetadata;
}

export type FieldRead =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

const SCALARS = ['name', 'namespace', 'uid'] as const;
/** metadata.labels['k'], metadata.labels["k"] or metadata.labels.k (and annotations). */
const KEYED =
  /^(metadata|spec\.template\.metadata)\.(labels|annotations)(?:\[\s*(?:'([^']+)'|"([^"]+)")\s*\]|\.([A-Za-z0-9_./-]+))$/;

const FORMS =
  "KULTA resolves metadata.name, metadata.namespace, metadata.uid, and metadata.labels['k'] / annotations['k'] of the Rollout or of spec.template.metadata";

function readKeyed(source: FieldSource, path: string, keyed: RegExpExecArray): FieldRead {
  const [, where = '', kind = '', single, double, dotted] = keyed;
  const key = single ?? double ?? dotted ?? '';
  const from = where === 'metadata' ? source.meta : source.template;
  const map = kind === 'labels' ? from.labels : from.annotations;
  const value = Object.hasOwn(map, key) ? map[key] : undefined;
  if (value !== undefined) return { ok: true, value };
  const owner = where === 'metadata' ? 'the Rollout' : "the Rollout's pod template";
  const what = kind === 'labels' ? 'label' : 'annotation';
  return { ok: false, message: `${path}: ${owner} has no ${what} "${key}"` };
}

/** The value at `path`, or why there is none. */
export function readField(source: FieldSource, path: string): FieldRead {
  const trimmed = path.trim();
  const scalar = SCALARS.find((s) => trimmed === `metadata.${s}`);
  if (scalar !== undefined) {
    const value = source.meta[scalar];
    return value === '' ? { ok: false, message: `${trimmed} is empty` } : { ok: true, value };
  }
  const keyed = KEYED.exec(trimmed);
  if (!keyed) return { ok: false, message: `cannot resolve ${JSON.stringify(path)}: ${FORMS}` };
  return readKeyed(source, trimmed, keyed);
}

/** Every analysis of a spec with the path it was written at. */
function analysesOf(spec: RolloutSpec): { path: string; analysis: RolloutAnalysis }[] {
  const found: { path: string; analysis: RolloutAnalysis }[] = [];
  spec.canary.steps.forEach((step, i) => {
    if (step.kind === 'analysis') {
      found.push({
        path: `spec.strategy.canary.steps[${String(i)}].analysis`,
        analysis: step.analysis,
      });
    }
  });
  if (spec.canary.analysis) {
    found.push({ path: 'spec.strategy.canary.analysis', analysis: spec.canary.analysis });
  }
  for (const gate of ['prePromotionAnalysis', 'postPromotionAnalysis'] as const) {
    const analysis = spec.blueGreen?.[gate];
    if (analysis) found.push({ path: `spec.strategy.blueGreen.${gate}`, analysis });
  }
  return found;
}

/** One message per fieldRef argument that cannot be resolved, naming where it is written. */
export function fieldRefErrors(meta: RolloutMeta, spec: RolloutSpec): string[] {
  const source = { meta, template: spec.templateMetadata };
  return analysesOf(spec).flatMap(({ path, analysis }) =>
    analysis.args.flatMap((arg, i) => {
      if (arg.kind !== 'fieldRef') return [];
      const read = readField(source, arg.fieldPath);
      return read.ok
        ? []
        : [`${path}.args[${String(i)}].valueFrom.fieldRef.fieldPath: ${read.message}`];
    }),
  );
}
