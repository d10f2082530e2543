// What the demo shows of one snapshot: a multi-line frame for a TTY (redrawn in place) and a
// one-line summary for logs and pipes (appended only when something changed).
import type { Paint } from '../../functions/cli/paint.ts';
import type { PodCount, Snapshot } from './snapshot.ts';

const barWidth = 20;

function short(hash: string | undefined): string {
  return hash === undefined ? '-' : hash.slice(0, 10);
}

function phaseText(s: Snapshot, paint: Paint): string {
  const phase = s.status.phase ?? 'Pending';
  const coloured: Record<string, (x: string) => string> = {
    Healthy: paint.green,
    Progressing: paint.cyan,
    Paused: paint.yellow,
    Degraded: paint.red,
  };
  return (coloured[phase] ?? paint.dim)(phase);
}

/** "3/6 setWeight 50%", "done (6/6)", or "-" before the first step. */
export function stepText(s: Snapshot): string {
  const index = s.status.currentStepIndex;
  const n = s.steps.length;
  if (index === undefined) return '-';
  if (index >= n) return `done (${String(n)}/${String(n)})`;
  return `${String(index + 1)}/${String(n)} ${s.steps[index] ?? s.status.currentStep?.kind ?? ''}`;
}

function bar(canary: number, paint: Paint): string {
  const filled = Math.round((canary / 100) * barWidth);
  return paint.green('█'.repeat(barWidth - filled)) + paint.yellow('█'.repeat(filled));
}

function trafficText(s: Snapshot, paint: Paint): string {
  if (!s.route) return paint.dim('route has no weights for our backends yet');
  const { stable, canary } = s.route;
  return `stable ${String(stable)}% ${bar(canary, paint)} canary ${String(canary)}%`;
}

function podText(p: PodCount, paint: Paint): string {
  const counts = `${String(p.ready)}/${String(p.desired)}`;
  const done = p.ready === p.desired;
  return `${p.role} ${p.name} ${done ? paint.green(counts) : paint.yellow(counts)}`;
}

/** Seconds left in a timed pause, or undefined when no pause is counting down. */
export function pauseLeft(s: Snapshot): number | undefined {
  const ends = s.status.pauseEndsAt;
  if (ends === undefined || (s.status.pauseConditions ?? []).length === 0) return undefined;
  return Math.max(0, (Date.parse(ends) - s.at) / 1000);
}

function lastEvent(s: Snapshot): string {
  const last = s.status.history?.at(-1);
  return last ? `${last.event}: ${last.message}` : '-';
}

/** The multi-line frame for a TTY. */
export function renderFrame(s: Snapshot, title: string, paint: Paint): string[] {
  const left = pauseLeft(s);
  const label = (l: string): string => paint.dim(l.padEnd(9));
  return [
    paint.bold(title),
    `  ${label('phase')} ${phaseText(s, paint)}  ${paint.dim(
      `stable ${short(s.status.stableRS)} · canary ${short(s.status.currentPodHash)}`,
    )}`,
    `  ${label('step')} ${stepText(s)}`,
    `  ${label('traffic')} ${trafficText(s, paint)}`,
    `  ${label('pods')} ${s.pods.map((p) => podText(p, paint)).join(paint.dim('  ·  ')) || '-'}`,
    `  ${label('pause')} ${left === undefined ? '-' : paint.yellow(`ends in ${left.toFixed(1)}s`)}`,
    `  ${label('last')} ${lastEvent(s)}`,
  ];
}

/** The one-line form, without a time prefix: also the key that says "something changed". */
export function summaryLine(s: Snapshot): string {
  const left = pauseLeft(s);
  const route = s.route
    ? `route stable ${String(s.route.stable)} / canary ${String(s.route.canary)}`
    : 'route -';
  const pods = s.pods.map((p) => `${p.role} ${String(p.ready)}/${String(p.desired)}`).join(', ');
  return [
    s.status.phase ?? 'Pending',
    `step ${stepText(s)}`,
    route,
    `pods ${pods || '-'}`,
    ...(left === undefined ? [] : [`pause ${String(Math.ceil(left))}s left`]),
    `last ${s.status.history?.at(-1)?.event ?? '-'}`,
  ].join(' | ');
}
