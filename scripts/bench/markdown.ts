// The step-latency results as the markdown that goes into the README.
import type { StepLatencyResult } from './step-latency.ts';
import { ms, type Summary } from './stats.ts';

type Row = readonly string[];

function table(header: Row, rows: readonly Row[]): string[] {
  const line = (cells: Row): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

const range = (s: Summary): string =>
  s.n === 0
    ? '-'
    : s.min === s.max
      ? String(s.min)
      : `${String(s.mean)} (${String(s.min)}–${String(s.max)})`;

function verbs(v: Record<string, number>, steps: number): string {
  if (steps === 0) return '-';
  return Object.entries(v)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([verb, n]) => `${verb} ${(n / steps).toFixed(1)}`)
    .join(', ');
}

export function stepLatencyMarkdown(r: StepLatencyResult): string[] {
  const cls = [
    ['applied (wrote status and/or world)', r.applied],
    ['no-op, event-driven (echoes, RS status)', r.noopEvents],
    ['no-op, direct on a settled rollout', r.noopDirect],
  ] as const;
  const steps = table(
    [
      'step',
      'n',
      'step p50',
      'step p99',
      'event→committed p50 / p99',
      'event→done p50 / p99',
      'API requests/step',
      'writes/step',
      'per step',
    ],
    cls.map(([name, c]) => [
      name,
      String(c.steps),
      ms(c.stepMs.p50),
      ms(c.stepMs.p99),
      c.eventToCommitMs.n === 0
        ? '-'
        : `${ms(c.eventToCommitMs.p50)} / ${ms(c.eventToCommitMs.p99)}`,
      `${ms(c.eventToDoneMs.p50)} / ${ms(c.eventToDoneMs.p99)}`,
      range(c.requests),
      range(c.writes),
      verbs(c.verbs, c.steps),
    ]),
  );
  const transitions = table(
    ['transition', 'n', 'step p50', 'step p99', 'API requests/step', 'writes/step'],
    Object.entries(r.byTransition)
      .sort(([, a], [, b]) => b.steps - a.steps)
      .map(([name, c]) => [
        name,
        String(c.steps),
        ms(c.stepMs.p50),
        ms(c.stepMs.p99),
        range(c.requests),
        range(c.writes),
      ]),
  );
  const e2e = table(
    ['end to end', 'n', 'p50', 'p99', 'max'],
    [
      ['image change → Healthy (zero-pause canary 10/50/100, 4 pods)', r.imageToHealthyMs],
      ['abort → canary weight 0 on the HTTPRoute', r.abortToCanaryZeroMs],
    ].map(([name, s]) => {
      const sum = s as Summary;
      return [name as string, String(sum.n), ms(sum.p50), ms(sum.p99), ms(sum.max)];
    }),
  );
  const requests = table(
    ['API request (made by steps)', 'n', 'p50', 'p99'],
    Object.entries(r.requestMs).map(([verb, s]) => [verb, String(s.n), ms(s.p50), ms(s.p99)]),
  );
  const targets = [
    `- p50 of an applied step under 20 ms: **${r.targets.appliedStepP50Under20ms ? 'met' : 'NOT met'}** (${ms(r.applied.stepMs.p50)})`,
    `- a no-op step makes no write: **${r.targets.noopStepMakesNoWrite ? 'met' : 'NOT met'}** (writes in ${String(r.noopEvents.steps + r.noopDirect.steps)} no-op steps: ${String(r.noopEvents.writes.n === 0 ? 0 : r.noopEvents.writes.max)} max event-driven, ${String(r.noopDirect.writes.n === 0 ? 0 : r.noopDirect.writes.max)} max direct)`,
    `- conflicts: ${String(r.conflicts)}, errors: ${String(r.errors.length)}`,
  ];
  return [...steps, '', ...transitions, '', ...requests, '', ...e2e, '', ...targets];
}
