// What `kulta lint` says about one object: the CRD's schema and rules (schema.ts) and the
// controller's own checks (the same parse the reconciler runs), each problem once, by field.
import { ExpressionError, parseExpression } from '../../core/analysis/expression.ts';
import { parseAnalysisRun } from '../../core/analysis/run.ts';
import { parseSpec } from '../../core/rollout/parse.ts';
import type { CrdCatalog } from './crds.ts';
import { unnamedRule, validateAgainstSchema, type Problem } from './schema.ts';

export const kultaGroup = 'kulta.io';
export const argoGroup = 'argoproj.io';

export interface ObjectLint {
  readonly problems: Problem[];
  readonly unchecked: string[];
  /** Why the object was not checked (not a KULTA kind). */
  readonly skipped?: string;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** "spec.x.y must be …" / "spec.x: …" → { path, message }. */
export function splitFieldMessage(text: string): Problem {
  const m = /^([A-Za-z][\w.[\]"/-]*?)(?::\s+|\s+|(?==))(.*)$/s.exec(text);
  return m?.[1] && m[2] ? { path: m[1], message: m[2] } : { path: '(document)', message: text };
}

function related(a: string, b: string): boolean {
  return (
    a === b ||
    a.startsWith(`${b}.`) ||
    a.startsWith(`${b}[`) ||
    b.startsWith(`${a}.`) ||
    b.startsWith(`${a}[`)
  );
}

const analysisKinds = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun']);

/** The analysis conditions, parsed as the controller parses them when it measures. */
function conditionProblems(object: Record<string, unknown>): Problem[] {
  const metrics = record(object.spec).metrics;
  if (!Array.isArray(metrics)) return [];
  return metrics.flatMap((metric, i) =>
    ['successCondition', 'failureCondition'].flatMap((field) => {
      const source = record(metric)[field];
      if (typeof source !== 'string' || source.trim() === '') return [];
      try {
        parseExpression(source);
        return [];
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        return [{ path: `spec.metrics[${String(i)}].${field}`, message: error.message }];
      }
    }),
  );
}

function controllerProblems(object: Record<string, unknown>, kind: string): Problem[] {
  if (kind === 'Rollout') {
    const namespace = record(object.metadata).namespace;
    return parseSpec(object, typeof namespace === 'string' ? namespace : 'default').errors.map(
      splitFieldMessage,
    );
  }
  const conditions = analysisKinds.has(kind) ? conditionProblems(object) : [];
  if (kind === 'AnalysisRun') {
    const parsed = parseAnalysisRun(object);
    return parsed.ok
      ? conditions
      : [...conditions, splitFieldMessage(parsed.message.replace(/^invalid AnalysisRun: /, ''))];
  }
  return conditions;
}

/** The CRD an object is of; an Argo Rollouts apiVersion finds KULTA's kind, with a problem. */
function entryOf(apiVersion: string, kind: string, catalog: CrdCatalog, problems: Problem[]) {
  const found = catalog.get(`${apiVersion} ${kind}`);
  const [group, version = ''] = apiVersion.split('/');
  if (found || group !== argoGroup) return found;
  const kulta = catalog.get(`${kultaGroup}/${version} ${kind}`);
  if (kulta) {
    problems.push({
      path: 'apiVersion',
      message: `${apiVersion} is Argo Rollouts' group; use ${kultaGroup}/${version} (\`kulta convert FILE\` does it)`,
    });
  }
  return kulta;
}

export function lintObject(value: unknown, catalog: CrdCatalog): ObjectLint {
  const object = record(value);
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (kind === '' || apiVersion === '') {
    const message = 'is not a Kubernetes object: it needs apiVersion and kind';
    return { problems: [{ path: '(document)', message }], unchecked: [] };
  }
  const problems: Problem[] = [];
  const entry = entryOf(apiVersion, kind, catalog, problems);
  if (!entry)
    return { problems, unchecked: [], skipped: `${apiVersion} ${kind} is not a KULTA kind` };
  // An AnalysisRun is often created with generateName (kubectl create), as Argo's docs do.
  const metadata = record(object.metadata);
  const generated = kind === 'AnalysisRun' && typeof metadata.generateName === 'string';
  if (typeof metadata.name !== 'string' && !generated) {
    problems.push({
      path: 'metadata.name',
      message: kind === 'AnalysisRun' ? 'is required (or metadata.generateName)' : 'is required',
    });
  }
  const schema = validateAgainstSchema(object, entry.schema);
  const controller = controllerProblems(object, kind);
  // A CRD rule without a message says only its CEL; the controller's words for the field are better.
  problems.push(
    ...schema.problems.map((p) =>
      p.message.startsWith(unnamedRule) ? (controller.find((c) => c.path === p.path) ?? p) : p,
    ),
  );
  for (const p of controller) {
    if (!problems.some((s) => related(s.path, p.path))) problems.push(p);
  }
  return { problems, unchecked: schema.unchecked };
}
