// The step-latency results as the markdown that goes into the README.
import type { ControllerResult, SideBySideResult } from './side-by-side.ts';
import type { StepLatencyResult } from './step-latency.ts';
import type { TickSweepResult } from './tick-sweep.ts';
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

/** Step latency by what the rollout was doing: idle, progressing, aborting. */
export function activityMarkdown(r: StepLatencyResult): string[] {
  const rows = (['idle', 'progressing', 'aborting'] as const).map((name) => {
    const c = r.byActivity[name];
    return [
      name,
      String(c.steps),
      c.eventToCommitMs.n === 0
        ? '- (no status write)'
        : `${ms(c.eventToCommitMs.p50)} / ${ms(c.eventToCommitMs.p99)}`,
      `${ms(c.stepMs.p50)} / ${ms(c.stepMs.p99)}`,
      range(c.requests),
      range(c.writes),
    ];
  });
  return table(
    [
      'rollout is',
      'steps',
      'event → status committed p50 / p99',
      'step p50 / p99',
      'API requests/step',
      'writes/step',
    ],
    rows,
  );
}

const mib = (x: number): string => `${x.toFixed(1)} MiB`;
const ratio = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}×`;

type Cell = (c: ControllerResult) => string;

/** KULTA and Argo Rollouts, the same canaries on the same test bed, and Argo ÷ KULTA. */
export function sideBySideMarkdown(r: SideBySideResult): string[] {
  const q = r.ratios ?? {};
  const p = (s: Summary): string => `${ms(s.p50)} / ${ms(s.p99)}`;
  const mean = (s: Summary): string => (s.n === 0 ? '-' : s.mean.toFixed(1));
  const figures: [string, Cell, string?][] = [
    ['rollouts measured', (c) => String(c.rollouts)],
    ['image change → Healthy, p50 / p99', (c) => p(c.imageToHealthyMs), 'imageToHealthyP50'],
    ['abort → HTTPRoute canary weight 0, p50 / p99', (c) => p(c.abortToZeroMs), 'abortToZeroP50'],
    [
      'API requests, image change → Healthy (mean)',
      (c) => mean(c.requestsToHealthy),
      'requestsToHealthy',
    ],
    ['… of which writes (mean)', (c) => mean(c.writesToHealthy)],
    ['API requests, abort → weight 0 (mean)', (c) => mean(c.requestsToZero), 'requestsToZero'],
    [
      'API requests per rollout lifecycle (mean)',
      (c) => mean(c.requestsPerLifecycle),
      'requestsPerLifecycle',
    ],
    [
      `API requests per minute at idle (${String(r.kulta.idle.seconds)} s window)`,
      (c) => String(c.idle.requestsPerMinute),
      'idleRequestsPerMinute',
    ],
    ['controller RSS at idle', (c) => mib(c.memory.idle.rssMiB), 'rssIdle'],
    ['controller peak RSS (VmHWM)', (c) => mib(c.memory.idle.peakMiB), 'rssPeak'],
    ['process start → ready', (c) => ms(c.startupMs)],
  ];
  const argo = r.argo;
  const rows = figures.map(([label, cell, key]) => [
    label,
    cell(r.kulta),
    argo ? cell(argo) : '-',
    key === undefined ? '' : ratio(q[key]),
  ]);
  const lines = table(['', 'KULTA', 'Argo Rollouts', 'Argo ÷ KULTA'], rows);
  if (r.argoSkipped) lines.push('', `Argo Rollouts not run: ${r.argoSkipped}`);
  for (const c of argo ? [r.kulta, argo] : [r.kulta]) {
    if (c.errors.length > 0) lines.push('', `${c.name} errors: ${c.errors.join('; ')}`);
  }
  return lines;
}

export function tickSweepMarkdown(r: TickSweepResult): string[] {
  const rows = r.points.map((pt) => [
    String(pt.rollouts),
    String(pt.active),
    `${ms(pt.tickMs.p50)} / ${ms(pt.tickMs.p99)}`,
    `${(pt.tickBytesRead / 1024).toFixed(1)} KiB`,
    `${String(pt.dueHere)} (${String(pt.dueAll)} in all)`,
    `${ms(pt.resyncMs.p50)} / ${ms(pt.resyncMs.p99)}`,
    `${(pt.resyncBytesRead / 2 ** 20).toFixed(1)} MiB`,
    `${mib(pt.memoryAfterTicks.rssMiB)} / ${mib(pt.memoryAfterResync.peakMiB)}`,
    `${String(pt.createSeconds)} s`,
  ]);
  return [
    ...table(
      [
        'Rollouts',
        'active',
        'tick wall p50 / p99',
        'bytes read / tick',
        'due events / tick',
        'resync tick p50 / p99',
        'bytes read / resync',
        'RSS after ticks / peak after resyncs',
        'created in',
      ],
      rows,
    ),
    '',
    `Tick process RSS before any Rollout was created: ${mib(r.idleMemory.rssMiB)}. Namespace deleted in ${String(r.cleanupSeconds)} s.`,
  ];
}
