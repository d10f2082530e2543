// One message per real problem: a refused feature is reported alone, not also blamed on the
// fields it would have made unnecessary (a job metric "needs successCondition", a workloadRef
// Rollout "needs spec.template", an Istio Rollout's trafficRouting "needs plugins[...]").
import type { Problem } from './schema.ts';

/** The messages that refuse a feature KULTA does not implement (the CRDs' and the parse's words). */
const REFUSAL = /\bnot supported (?:yet )?by KULTA\b|\bis not supported: KULTA\b/;
/** The messages that complain about something absent. */
const ABSENCE = /^is required$|\bneeds\b/;

function parent(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

function within(path: string, ancestor: string): boolean {
  return (
    ancestor === '' ||
    path === ancestor ||
    path.startsWith(`${ancestor}.`) ||
    path.startsWith(`${ancestor}[`)
  );
}

/** `path` is `ancestor` or one of the objects holding it (but not the document itself). */
function holds(path: string, refused: string): boolean {
  return path !== '' && path !== '(document)' && within(refused, path) && path !== refused;
}

/**
 * `path` is in the object that holds the refused field (a refused trafficRouting.istio makes
 * trafficRouting.plugins[...] unnecessary), unless that object is a whole spec, where the
 * siblings are only the absent ones.
 */
function besides(path: string, refused: string): boolean {
  const holder = parent(refused);
  return holder.includes('.') && within(path, holder) && !within(path, refused);
}

/**
 * Drops the absence complaints caused by a refusal: on the objects that hold the refused field,
 * beside it, and on its absent siblings (with everything reported under such a sibling).
 */
export function withoutConsequences(problems: readonly Problem[]): Problem[] {
  const refused = problems.filter((p) => REFUSAL.test(p.message)).map((p) => p.path);
  if (refused.length === 0) return [...problems];
  const absentSiblings = problems
    .filter((p) => p.message === 'is required' && refused.some((r) => parent(r) === parent(p.path)))
    .map((p) => p.path);
  return problems.filter((p) => {
    if (REFUSAL.test(p.message)) return true;
    if (absentSiblings.some((a) => within(p.path, a))) return false;
    return !(
      ABSENCE.test(p.message) && refused.some((r) => holds(p.path, r) || besides(p.path, r))
    );
  });
}
