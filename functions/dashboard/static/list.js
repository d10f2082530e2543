// The rollouts page: every Rollout, grouped by namespace, with phase, step and canary weight.
import { h } from './dom.js';
import { duration } from './format.js';

function phaseBadge(phase) {
  return h('span', { class: `phase phase-${String(phase).toLowerCase()}` }, phase);
}

/** "2 / 4" while a step runs, "4 / 4" once all are done (the index then equals the count). */
function stepText(step) {
  return step ? `${Math.min(step.index + 1, step.count)} / ${step.count}` : '–';
}

function row(summary) {
  const href = `#/rollouts/${encodeURIComponent(summary.namespace)}/${encodeURIComponent(summary.name)}`;
  return h(
    'tr',
    { 'data-testid': `rollout-row-${summary.namespace}-${summary.name}` },
    h('td', {}, h('a', { href }, summary.name)),
    h('td', {}, summary.strategy),
    h('td', {}, phaseBadge(summary.phase)),
    h('td', { class: 'num' }, stepText(summary.step)),
    h('td', { class: 'num' }, summary.weight === undefined ? '–' : `${summary.weight}%`),
    h('td', { class: 'mono' }, summary.images.join(', ')),
    h(
      'td',
      { class: 'num muted', 'data-age': summary.ageSeconds },
      summary.ageSeconds === undefined ? '' : duration(summary.ageSeconds),
    ),
    h('td', { class: 'muted' }, summary.message ?? ''),
  );
}

function namespaceTable(namespace, rollouts) {
  return h(
    'section',
    { class: 'panel', 'data-testid': `namespace-${namespace}` },
    h('h2', {}, h('a', { href: `#/namespaces/${encodeURIComponent(namespace)}` }, namespace)),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Rollout', 'Strategy', 'Phase'].map((t) => h('th', {}, t)),
          ['Step', 'Canary', 'Image', 'Age'].map((t) =>
            h('th', { class: t === 'Image' ? '' : 'num' }, t),
          ),
          h('th', {}, 'Message'),
        ),
      ),
      h('tbody', {}, rollouts.map(row)),
    ),
  );
}

/** The list of `summaries` (RolloutSummary[]), one table per namespace. */
export function rolloutList(summaries, namespace) {
  const byNamespace = new Map();
  for (const summary of summaries) {
    const list = byNamespace.get(summary.namespace) ?? [];
    list.push(summary);
    byNamespace.set(summary.namespace, list);
  }
  const title = namespace ? `Rollouts in ${namespace}` : 'Rollouts';
  if (byNamespace.size === 0) {
    return [h('h1', {}, title), h('p', { class: 'muted' }, 'No Rollouts found.')];
  }
  return [
    h('h1', {}, title),
    h('p', { class: 'muted' }, `${summaries.length} rollout${summaries.length === 1 ? '' : 's'}`),
    [...byNamespace.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ns, rollouts]) => namespaceTable(ns, rollouts)),
  ];
}
