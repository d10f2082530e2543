// What `kulta lint` says about one object: the CRD's schema and rules (schema.ts) and the
// controller's own checks (the same parse the reconciler runs), each problem once, by field.
import { ExpressionError, parseCondition } from '../../core/analysis/expression.ts';
import { parseAnalysisRun } from '../../core/analysis/run.ts';
import { parseSpec } from '../../core/rollout/parse.ts';
import type { CrdCatalog } from './crds.ts';
import { withoutConsequences } from './consequences.ts';
import { podTemplateProblems } from './pod-template.ts';
import { childPath, unnamedRule, validateAgainstSchema, type Problem } from './schema.ts';

export const kultaGroup = 'kulta.io';
export const argoGroup = 'argoproj.io';

export interface ObjectLint {
  readonly problems: Problem[];
  /** What KULTA will not act on, though the apiserver accepts it (exit 0). */
  readonly warnings: Problem[];
  readonly unchecked: string[];
  /** Why the object was not checked (a kind of a group other than KULTA's and Argo's). */
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

/** Two fields that are one, or one inside the other. */
function related(a: string, b: string): boolean {
  return (
    a === b ||
    a.startsWith(`${b}.`) ||
    a.startsWith(`${b}[`) ||
    b.startsWith(`${a}.`) ||
    b.startsWith(`${a}[`)
  );
}

/** The schema already reported `field` itself or something inside it. */
function coveredBy(schemaPath: string, field: string): boolean {
  return (
    related(schemaPath, field) &&
    !field.startsWith(`${schemaPath}.`) &&
    !field.startsWith(`${schemaPath}[`)
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
        parseCondition(source);
        return [];
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        return [{ path: `spec.metrics[${String(i)}].${field}`, message: error.message }];
      }
    }),
  );
}

/**
 * The controller's spec parse (`parse`: it restates what the schema checks, so a problem the
 * schema reported nearby is the same one) and the checks the schema cannot make (`own`: the
 * conditions, the pod template; a schema problem on an enclosing object is a different one).
 */
function controllerProblems(
  object: Record<string, unknown>,
  kind: string,
): { parse: Problem[]; own: Problem[] } {
  if (kind === 'Rollout') {
    const namespace = record(object.metadata).namespace;
    const parsed = parseSpec(object, typeof namespace === 'string' ? namespace : 'default');
    return {
      parse: parsed.errors.map(splitFieldMessage),
      own: podTemplateProblems(record(object.spec).template, 'spec.template'),
    };
  }
  const own = analysisKinds.has(kind) ? conditionProblems(object) : [];
  if (kind === 'AnalysisRun') {
    const parsed = parseAnalysisRun(object);
    const message = parsed.ok ? undefined : parsed.message.replace(/^invalid AnalysisRun: /, '');
    return { parse: message === undefined ? [] : [splitFieldMessage(message)], own };
  }
  return { parse: [], own };
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

/** The kinds KULTA serves, for messages. */
function servedKinds(catalog: CrdCatalog): string {
  return [...new Set([...catalog.values()].map((e) => e.crd.kind))].sort().join(', ');
}

/** An object of KULTA's or Argo's group whose kind KULTA does not serve: a problem, not a skip. */
function unservedKind(apiVersion: string, kind: string, catalog: CrdCatalog): ObjectLint {
  const group = apiVersion.split('/')[0] ?? '';
  const served = servedKinds(catalog);
  const message =
    group === kultaGroup
      ? `${apiVersion} ${kind} is not a kind KULTA serves (it serves ${served}): the apiserver would answer "no matches for kind"`
      : `${apiVersion} ${kind} has no KULTA equivalent (KULTA serves ${served}); remove it or keep it for Argo Rollouts`;
  return { problems: [{ path: 'kind', message }], warnings: [], unchecked: [] };
}

const NOTIFICATIONS = 'notifications.argoproj.io/';

/** Argo annotations KULTA does not act on: accepted by the apiserver, so warnings. */
function annotationWarnings(object: Record<string, unknown>): Problem[] {
  return Object.keys(record(record(object.metadata).annotations)).flatMap((key) => {
    const path = childPath('metadata.annotations', key);
    if (key.startsWith(NOTIFICATIONS)) {
      const message =
        'KULTA does not send Argo Rollouts notifications: it tells every rollout as CDEvents through the Knative Broker; subscribe with a Trigger (README, "CDEvents")';
      return [{ path, message }];
    }
    if (/^([a-z0-9-]+\.)*argoproj\.io\//.test(key)) {
      return [{ path, message: 'an Argo Rollouts annotation KULTA does not act on' }];
    }
    return [];
  });
}

/** The schema's problems, then each of the controller's that the schema did not already report. */
function merged(schema: readonly Problem[], controller: { parse: Problem[]; own: Problem[] }) {
  const { parse, own } = controller;
  // A CRD rule without any message has no words; the controller's words for the field are better.
  const problems = schema.map((p) =>
    p.message === unnamedRule ? (parse.find((c) => c.path === p.path) ?? p) : p,
  );
  for (const p of parse) {
    if (!problems.some((s) => related(s.path, p.path))) problems.push(p);
  }
  for (const p of own) {
    if (!problems.some((s) => coveredBy(s.path, p.path))) problems.push(p);
  }
  return problems;
}

export function lintObject(value: unknown, catalog: CrdCatalog): ObjectLint {
  const object = record(value);
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (kind === '' || apiVersion === '') {
    const message = 'is not a Kubernetes object: it needs apiVersion and kind';
    return { problems: [{ path: '(document)', message }], warnings: [], unchecked: [] };
  }
  const problems: Problem[] = [];
  const entry = entryOf(apiVersion, kind, catalog, problems);
  if (!entry) {
    const group = apiVersion.split('/')[0];
    if (group === kultaGroup || group === argoGroup) return unservedKind(apiVersion, kind, catalog);
    const skipped = `${apiVersion} ${kind} is not a KULTA kind`;
    return { problems, warnings: [], unchecked: [], skipped };
  }
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
  problems.push(...merged(schema.problems, controllerProblems(object, kind)));
  return {
    problems: withoutConsequences(problems),
    warnings: annotationWarnings(object),
    unchecked: schema.unchecked,
  };
}
