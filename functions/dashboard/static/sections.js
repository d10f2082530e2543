// The panels of a rollout's page, each built from the read model (functions/view/types.ts).
import { h } from './dom.js';
import { clock, duration } from './format.js';
import { measurementPlot } from './plot.js';

export function phaseBadge(phase, testid) {
  return h(
    'span',
    { class: `phase phase-${String(phase).toLowerCase()}`, 'data-testid': testid },
    phase,
  );
}

function panel(title, testid, ...children) {
  return h('section', { class: 'panel', 'data-testid': testid }, h('h2', {}, title), children);
}

function stepWhen(step) {
  if (step.durationSeconds !== undefined) return duration(step.durationSeconds);
  if (step.startedAt) return `since ${clock(step.startedAt)}`;
  return '';
}

function pauseLine(pause) {
  if (!pause) return null;
  const reasons = [...pause.reasons, ...(pause.manual ? ['spec.paused'] : [])].join(', ');
  if (pause.endsAt === undefined) {
    return h(
      'p',
      { class: 'notice', 'data-testid': 'pause' },
      `Paused (${reasons}) until promoted.`,
    );
  }
  return h(
    'p',
    { class: 'notice', 'data-testid': 'pause' },
    `Paused (${reasons}): `,
    h(
      'span',
      { 'data-countdown': pause.remainingSeconds ?? 0 },
      duration(pause.remainingSeconds ?? 0),
    ),
    ` left (until ${clock(pause.endsAt)}).`,
  );
}

export function stepsPanel(detail) {
  if (detail.steps.length === 0)
    return panel('Steps', 'steps', h('p', { class: 'muted' }, 'No steps.'));
  return panel(
    'Steps',
    'steps',
    h(
      'ol',
      { class: 'steps' },
      detail.steps.map((step) =>
        h(
          'li',
          { class: step.state, 'data-testid': `step-${step.index}`, 'data-state': step.state },
          h('span', {}, step.label),
          step.state === 'current' ? h('span', { class: 'tag' }, 'current') : null,
          h('span', { class: 'when' }, stepWhen(step)),
        ),
      ),
    ),
    pauseLine(detail.pause),
  );
}

function weightBar(testid, stable, canary, title) {
  const bar = h(
    'div',
    { class: 'bar' },
    h('span', { class: 'stable' }, stable > 0 ? `${stable}%` : ''),
    h('span', { class: 'canary' }, canary > 0 ? `${canary}%` : ''),
  );
  bar.children[0].style.width = `${stable}%`;
  bar.children[1].style.width = `${canary}%`;
  return h(
    'div',
    { class: 'weight', 'data-testid': testid, 'data-stable': stable, 'data-canary': canary },
    h(
      'div',
      {},
      h('strong', {}, title),
      h('span', { class: 'muted' }, ` stable ${stable} / canary ${canary}`),
    ),
    bar,
  );
}

function routeWeight(route) {
  const title = `HTTPRoute ${route.namespace}/${route.name}`;
  const testid = `route-weight-${route.name}`;
  if (!route.found) return h('p', { class: 'error', 'data-testid': testid }, `${title}: not found`);
  if (route.error)
    return h('p', { class: 'error', 'data-testid': testid }, `${title}: ${route.error}`);
  if (route.stable === undefined || route.canary === undefined) {
    return h(
      'p',
      { class: 'muted', 'data-testid': testid },
      `${title}: our Services are not among its backends`,
    );
  }
  return [
    weightBar(testid, route.stable, route.canary, title),
    route.consistent ? null : h('p', { class: 'error' }, 'Its rules disagree about the weights.'),
  ];
}

export function trafficPanel(detail) {
  const { weights, spec } = detail;
  return panel(
    'Traffic',
    'traffic',
    weights.routes.length === 0
      ? h('p', { class: 'muted' }, 'No traffic routing: the pod counts are the split.')
      : weights.routes.map(routeWeight),
    weights.status
      ? h(
          'p',
          { class: 'notice', 'data-testid': 'status-weight' },
          `Status: stable ${weights.status.stable} / canary ${weights.status.canary}`,
        )
      : null,
    h(
      'div',
      { class: 'legend' },
      h('span', { class: 'role role-stable' }, `stable: ${spec.stableService ?? '–'}`),
      h('span', { class: 'role role-canary' }, `canary: ${spec.canaryService ?? '–'}`),
    ),
  );
}

function pods(revision) {
  return h(
    'div',
    { class: 'pods' },
    revision.pods.map((pod) =>
      h('span', {
        class: pod.ready ? 'pod ready' : 'pod',
        title: `${pod.name}: ${pod.phase}${pod.ready ? ', ready' : ''}${pod.deleting ? ', terminating' : ''}`,
      }),
    ),
  );
}

function revisionRow(revision) {
  return h(
    'tr',
    { 'data-testid': `revision-${revision.podTemplateHash}`, 'data-role': revision.role },
    h('td', { class: 'num' }, revision.revision),
    h('td', {}, h('span', { class: `role role-${revision.role}` }, revision.role)),
    h(
      'td',
      { class: 'mono' },
      revision.replicaSet,
      h('div', { class: 'muted' }, revision.images.join(', ')),
    ),
    h(
      'td',
      { class: 'num', 'data-testid': 'pods-ready' },
      `${revision.ready} / ${revision.desired}`,
    ),
    h(
      'td',
      {},
      pods(revision),
      revision.scaleDownAt
        ? h('div', { class: 'notice' }, `scales down at ${clock(revision.scaleDownAt)}`)
        : null,
    ),
  );
}

export function revisionsPanel(detail) {
  return panel(
    'Revisions and pods',
    'revisions',
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { class: 'num' }, '#'),
          h('th', {}, 'Role'),
          h('th', {}, 'ReplicaSet'),
          h('th', { class: 'num' }, 'Ready'),
          h('th', {}, 'Pods'),
        ),
      ),
      h('tbody', {}, detail.revisions.map(revisionRow)),
    ),
  );
}

function metricBlock(metric) {
  const measurements = metric.measurements.map((m) => ({
    at: m.finishedAt ?? m.startedAt,
    value: m.value,
    phase: m.phase,
    message: m.message,
  }));
  const last = metric.measurements.at(-1);
  return h(
    'div',
    { class: 'metric', 'data-testid': `metric-${metric.name}` },
    h(
      'p',
      {},
      h('strong', {}, metric.name),
      metric.dryRun ? h('span', { class: 'tag' }, 'dry-run') : null,
      ' ',
      phaseBadge(metric.phase ?? 'Pending'),
      h(
        'span',
        { class: 'muted' },
        ` ${metric.successful} ok, ${metric.failed} failed, ${metric.inconclusive} inconclusive, ${metric.error} errors`,
      ),
    ),
    measurementPlot(metric.name, measurements) ??
      h('p', { class: 'muted' }, 'No measurements yet.'),
    last?.query ? h('p', { class: 'notice' }, 'Query: ', h('code', {}, last.query)) : null,
  );
}

function runBlock(run) {
  return h(
    'div',
    { class: 'run', 'data-testid': `analysis-run-${run.name}` },
    h(
      'h3',
      {},
      run.name,
      ' ',
      phaseBadge(run.phase),
      run.role ? h('span', { class: 'tag' }, run.role) : null,
    ),
    run.message ? h('p', { class: 'muted' }, run.message) : null,
    run.metrics.map(metricBlock),
  );
}

function verdictLine(verdict) {
  return h(
    'li',
    { 'data-testid': `verdict-${verdict.source}` },
    `${verdict.source} analysis `,
    h('code', {}, verdict.run),
    ': ',
    phaseBadge(verdict.phase),
    verdict.metric ? ` ${verdict.metric} = ${verdict.value ?? 'no value'}` : '',
    verdict.message ? h('span', { class: 'muted' }, ` – ${verdict.message}`) : null,
  );
}

export function analysisPanel(detail) {
  const { runs, verdicts } = detail.analysis;
  if (runs.length === 0 && verdicts.length === 0) return null;
  return panel(
    'Analysis',
    'analysis',
    verdicts.length === 0 ? null : h('ul', { class: 'verdicts' }, verdicts.map(verdictLine)),
    runs.map(runBlock),
  );
}

/** "canary · 4 replicas · registry.example/web:2.0" under the rollout's name. */
export function specLine(detail) {
  const images = detail.spec.images.map((i) => i.image).join(', ');
  const paused = detail.spec.paused ? ' · paused (spec.paused)' : '';
  return `${detail.strategy} · ${detail.spec.replicas} replicas · ${images}${paused}`;
}

export function conditionsPanel(detail) {
  if (detail.conditions.length === 0) return null;
  return panel(
    'Conditions',
    'conditions',
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Type', 'Status', 'Reason', 'Message', 'Since'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        detail.conditions.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, c.type),
            h('td', {}, c.status),
            h('td', {}, c.reason),
            h('td', {}, c.message),
            h('td', { class: 'muted' }, clock(c.lastTransitionTime)),
          ),
        ),
      ),
    ),
  );
}
