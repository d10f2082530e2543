// `kulta get rollout NAME`: the read model as text — a summary (phase, step, weights per route,
// pause countdown, last analysis verdict with its value), the steps with the current one marked,
// a tree of revisions → ReplicaSets → pods, and the last transitions. Pure: time is detail.readAt.
import type {
  AnalysisVerdictView,
  PodView,
  RevisionView,
  RolloutDetail,
  StepView,
} from '../view/types.ts';
import { ageAt, phaseText, table } from './format.ts';
import type { Paint } from './paint.ts';

const labelWidth = 13;

function field(label: string, lines: readonly string[], paint: Paint): string[] {
  const [first = '-', ...rest] = lines;
  return [
    `${paint.dim(`${label}:`.padEnd(labelWidth))}${first}`,
    ...rest.map((l) => `${' '.repeat(labelWidth)}${l}`),
  ];
}

function statusLines(d: RolloutDetail, paint: Paint): string[] {
  const phase = phaseText(d.phase, paint);
  const notes = [
    d.aborted ? paint.red('aborted') : undefined,
    d.observed
      ? undefined
      : paint.yellow(`generation ${String(d.generation)} not yet observed by the controller`),
  ].filter((n) => n !== undefined);
  return [notes.length > 0 ? `${phase} (${notes.join(', ')})` : phase];
}

function stepLine(d: RolloutDetail): string[] {
  if (!d.currentStep) return d.strategy === 'canary' ? ['-'] : ['- (no steps)'];
  const { index, count } = d.currentStep;
  if (index >= count) return [`${String(count)}/${String(count)} all steps done`];
  return [`${String(index + 1)}/${String(count)} ${d.steps[index]?.label ?? ''}`];
}

/** The two backends' names: active/preview for blue-green, stable/canary otherwise. */
function sides(d: RolloutDetail): readonly [string, string] {
  return d.strategy === 'blueGreen' ? ['active', 'preview'] : ['stable', 'canary'];
}

function routeWeight(
  r: RolloutDetail['weights']['routes'][number],
  names: readonly [string, string],
  paint: Paint,
): string {
  if (!r.found)
    return paint.red(r.error ?? 'not found: create it, or fix the name in trafficRouting');
  if (r.stable === undefined || r.canary === undefined) {
    return paint.yellow('has no backendRefs to both Services');
  }
  const split = `${names[0]} ${String(r.stable)} / ${names[1]} ${String(r.canary)}`;
  return `${split}${r.consistent ? '' : paint.yellow(' (rules disagree)')}`;
}

function weightLines(d: RolloutDetail, paint: Paint): string[] {
  const rows: string[][] = [];
  const names = sides(d);
  const s = d.weights.status;
  if (s) rows.push(['set by status', `stable ${String(s.stable)} / canary ${String(s.canary)}`]);
  for (const r of d.weights.routes)
    rows.push([`route ${r.namespace}/${r.name}`, routeWeight(r, names, paint)]);
  return rows.length > 0 ? table(rows) : ['- (no traffic routing)'];
}

function pauseLines(d: RolloutDetail, paint: Paint): string[] | undefined {
  const p = d.pause;
  if (!p) return undefined;
  const why = [...p.reasons, ...(p.manual ? ['spec.paused (kulta resume)'] : [])].join(', ');
  if (p.endsAt === undefined) return [`until promoted (${why})`];
  const left = paint.yellow(`ends in ${String(p.remainingSeconds ?? 0)}s`);
  return [`${left} at ${p.endsAt} (${why})`];
}

function verdictLine(v: AnalysisVerdictView, paint: Paint): string {
  const phase =
    v.phase === 'Successful'
      ? paint.green(v.phase)
      : v.phase === 'Running'
        ? paint.cyan(v.phase)
        : paint.red(v.phase);
  const value =
    v.metric === undefined
      ? ''
      : `, ${v.metric} = ${v.value ?? '(no value)'}${v.measuredAt ? ` at ${v.measuredAt}` : ''}`;
  const message = v.message === undefined ? '' : ` — ${v.message}`;
  return `${v.source} ${v.run} ${phase}${value}${message}`;
}

function analysisLines(d: RolloutDetail, paint: Paint): string[] | undefined {
  if (d.analysis.verdicts.length > 0) return d.analysis.verdicts.map((v) => verdictLine(v, paint));
  const last = d.analysis.runs[0];
  if (!last) return undefined;
  return [`last run ${last.name} ${last.phase}${last.message ? ` — ${last.message}` : ''}`];
}

function imageLines(d: RolloutDetail): string[] {
  const live = d.revisions.filter((r) => r.role !== 'old');
  if (live.length === 0) return d.spec.images.map((i) => `${i.image} (${i.container})`);
  return live.flatMap((r) => r.images.map((i) => `${i} (${r.role})`));
}

function replicaLine(d: RolloutDetail): string {
  const s = d.status;
  return `desired ${String(d.spec.replicas)}, current ${String(s.replicas ?? 0)}, updated ${String(s.updatedReplicas ?? 0)}, ready ${String(s.readyReplicas ?? 0)}, available ${String(s.availableReplicas ?? 0)}`;
}

function conditionLines(d: RolloutDetail, paint: Paint): string[] | undefined {
  if (d.conditions.length === 0) return undefined;
  return d.conditions.map((c) => {
    const bad = (c.type === 'InvalidSpec' || c.type === 'OutboxFull') === (c.status === 'True');
    const text = `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}`;
    return bad ? paint.red(text) : text;
  });
}

function summaryLines(d: RolloutDetail, paint: Paint): string[] {
  const optional = (label: string, lines: string[] | undefined): string[] =>
    lines ? field(label, lines, paint) : [];
  return [
    ...field('Name', [paint.bold(d.name)], paint),
    ...field('Namespace', [d.namespace], paint),
    ...field('Status', statusLines(d, paint), paint),
    ...optional('Message', d.message ? [d.message] : undefined),
    ...field('Strategy', [d.strategy], paint),
    ...field('Step', stepLine(d), paint),
    ...optional('Pause', pauseLines(d, paint)),
    ...field('Weights', weightLines(d, paint), paint),
    ...optional('Analysis', analysisLines(d, paint)),
    ...field('Images', imageLines(d), paint),
    ...field('Replicas', [replicaLine(d)], paint),
    ...optional('Conditions', conditionLines(d, paint)),
  ];
}

function stepRow(s: StepView, now: Date, paint: Paint): string[] {
  const mark =
    s.state === 'done'
      ? paint.green('✔')
      : s.state === 'current'
        ? paint.yellow('▶')
        : paint.dim('·');
  let when = '';
  if (s.durationSeconds !== undefined) when = `took ${String(s.durationSeconds)}s`;
  else if (s.state === 'current' && s.startedAt) when = `started ${ageAt(s.startedAt, now)} ago`;
  const label = s.state === 'current' ? paint.bold(s.label) : s.label;
  return [`  ${mark} ${String(s.index)}`, label, paint.dim(when)];
}

function podRow(pod: PodView, prefix: string, now: Date, paint: Paint): string[] {
  const ok = pod.ready && !pod.deleting;
  const state = pod.deleting ? 'Terminating' : pod.phase;
  const info = [
    `ready:${pod.ready ? '1/1' : '0/1'}`,
    ...(pod.restarts > 0 ? [`restarts:${String(pod.restarts)}`] : []),
  ];
  return [
    `${prefix}□ ${pod.name}`,
    'Pod',
    ok ? paint.green(`✔ ${state}`) : paint.yellow(`◌ ${state}`),
    ageAt(pod.createdAt, now),
    info.join(' '),
  ];
}

function revisionRows(r: RevisionView, last: boolean, now: Date, paint: Paint): string[][] {
  const branch = last ? '└──' : '├──';
  const stem = last ? '   ' : '│  ';
  const healthy = r.ready >= r.desired;
  const status = `${healthy ? '✔' : '◌'} ${String(r.ready)}/${String(r.desired)} ready`;
  const info = [
    r.role === 'old' ? '' : r.role,
    r.scaleDownAt ? `scales down at ${r.scaleDownAt}` : '',
  ].filter((x) => x !== '');
  const rows: string[][] = [
    [`${branch}# revision:${String(r.revision)}`, '', '', '', ''],
    [
      `${stem}└──⧉ ${r.replicaSet}`,
      'ReplicaSet',
      healthy ? paint.green(status) : paint.yellow(status),
      ageAt(r.createdAt, now),
      info.join(', '),
    ],
  ];
  r.pods.forEach((pod, i) => {
    const podBranch = i === r.pods.length - 1 ? '└──' : '├──';
    rows.push(podRow(pod, `${stem}   ${podBranch}`, now, paint));
  });
  return rows;
}

function treeLines(d: RolloutDetail, now: Date, paint: Paint): string[] {
  const rows: string[][] = [
    ['NAME', 'KIND', 'STATUS', 'AGE', 'INFO'].map((h) => paint.dim(h)),
    [`⟳ ${d.name}`, 'Rollout', phaseText(d.phase, paint), ageAt(d.createdAt, now), ''],
  ];
  d.revisions.forEach((r, i) =>
    rows.push(...revisionRows(r, i === d.revisions.length - 1, now, paint)),
  );
  return table(rows);
}

/** The whole `get rollout` text, lines without trailing newlines. */
export function renderRolloutTree(d: RolloutDetail, paint: Paint, historyLimit = 5): string[] {
  const now = new Date(d.readAt);
  const steps =
    d.steps.length > 0
      ? ['', paint.dim('Steps:'), ...table(d.steps.map((s) => stepRow(s, now, paint)))]
      : [];
  const history = d.history.slice(-historyLimit);
  const historyLines =
    history.length > 0
      ? [
          '',
          paint.dim(`History (last ${String(history.length)}):`),
          ...table(history.map((h) => [`  ${h.at}`, h.event, h.message])),
        ]
      : [];
  return [...summaryLines(d, paint), ...steps, '', ...treeLines(d, now, paint), ...historyLines];
}
