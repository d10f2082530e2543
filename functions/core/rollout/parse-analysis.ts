// Parses the analysis a Rollout asks for: analysis steps, background analysis, blue-green's pre-
// and post-promotion analysis (templates and arguments, Argo's fields).
import { int, isObject, obj, str } from './json-read.ts';
import type {
  AnalysisArg,
  CanaryStrategy,
  Json,
  JsonObject,
  RolloutAnalysis,
  Step,
} from './types.ts';

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

export function parseAnalysis(
  a: JsonObject,
  path: string,
  errors: string[],
): RolloutAnalysis | undefined {
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
  const metadata = a.analysisRunMetadata;
  if (metadata === undefined || metadata === null) return { templates, args };
  const m = obj(metadata);
  return {
    templates,
    args,
    runMetadata: { labels: strings(m.labels), annotations: strings(m.annotations) },
  };
}

/** A string map as the CRD types it (anything else was refused by the schema). */
function strings(value: Json | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(obj(value)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export function parseAnalysisStep(a: JsonObject, path: string, errors: string[]): Step | undefined {
  const analysis = parseAnalysis(a, path, errors);
  return analysis ? { kind: 'analysis', analysis } : undefined;
}

/** Background analysis (strategy.canary.analysis), with the step it starts at. */
export function parseBackground(canary: JsonObject, errors: string[]): CanaryStrategy['analysis'] {
  if (!isObject(canary.analysis)) return undefined;
  const analysis = parseAnalysis(canary.analysis, 'spec.strategy.canary.analysis', errors);
  return analysis ? { ...analysis, startingStep: int(canary.analysis.startingStep, 0) } : undefined;
}
