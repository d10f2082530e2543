// The dashboard page: a hash router (#/, #/namespaces/<ns>, #/rollouts/<ns>/<name>), live
// views over server-sent events, and a one-second ticker for countdowns and ages.
import { actionBar } from './actions.js';
import { follow } from './api.js';
import { h, replace } from './dom.js';
import { duration } from './format.js';
import { rolloutList } from './list.js';
import {
  analysisPanel,
  conditionsPanel,
  phaseBadge,
  revisionsPanel,
  specLine,
  stepsPanel,
  trafficPanel,
} from './sections.js';
import { timelinePanel } from './timeline.js';

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const live = document.getElementById('live');
let stopFollowing = () => undefined;
/** When the last view arrived (ms): countdowns and ages move on from there. */
let receivedAt = Date.now();

function setLive(state, message) {
  live.dataset.state = state;
  live.textContent = {
    connecting: 'connecting…',
    live: 'live',
    reconnecting: 'reconnecting…',
    failed: `error: ${message}`,
  }[state];
  live.title = message ?? '';
}

function tick() {
  const elapsed = (Date.now() - receivedAt) / 1000;
  for (const el of document.querySelectorAll('[data-countdown]')) {
    el.textContent = duration(Number(el.dataset.countdown) - elapsed);
  }
  for (const el of document.querySelectorAll('[data-age]')) {
    el.textContent = duration(Number(el.dataset.age) + elapsed);
  }
}

function parseRoute() {
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  if (parts[0] === 'rollouts' && parts.length === 3) {
    return { page: 'rollout', namespace: parts[1], name: parts[2] };
  }
  if (parts[0] === 'namespaces' && parts.length === 2) return { page: 'list', namespace: parts[1] };
  return { page: 'list', namespace: undefined };
}

function showList(namespace) {
  document.title = namespace ? `${namespace} · KULTA` : 'KULTA rollouts';
  replace(
    crumbs,
    namespace
      ? [h('a', { href: '#/' }, 'all namespaces'), h('span', {}, namespace)]
      : h('span', {}, 'all namespaces'),
  );
  replace(main, h('p', { class: 'muted' }, 'Loading…'));
  stopFollowing = follow(
    namespace ? { namespace } : {},
    'rollouts',
    (list) => {
      receivedAt = Date.now();
      replace(main, rolloutList(list, namespace));
    },
    setLive,
  );
}

function renderRollout(parts, view) {
  if (view === null) {
    replace(parts.phase);
    replace(parts.spec);
    replace(parts.message, 'This Rollout does not exist (or no longer does).');
    replace(parts.body);
    return;
  }
  const { rollout, timeline } = view;
  parts.bar.update(rollout);
  replace(parts.phase, phaseBadge(rollout.phase, 'phase'));
  replace(parts.spec, specLine(rollout));
  replace(
    parts.message,
    rollout.message ?? '',
    rollout.observed ? '' : ' (the controller has not seen the latest spec yet)',
  );
  replace(
    parts.body,
    h('div', { class: 'grid2' }, stepsPanel(rollout), trafficPanel(rollout)),
    h(
      'div',
      { class: 'stack' },
      revisionsPanel(rollout),
      analysisPanel(rollout),
      conditionsPanel(rollout),
      timelinePanel(timeline),
    ),
  );
}

function showRollout(ref) {
  document.title = `${ref.name} · ${ref.namespace} · KULTA`;
  replace(
    crumbs,
    h('a', { href: '#/' }, 'all namespaces'),
    h('a', { href: `#/namespaces/${encodeURIComponent(ref.namespace)}` }, ref.namespace),
    h('span', {}, ref.name),
  );
  const parts = {
    bar: actionBar(ref),
    phase: h('span'),
    spec: h('p', { class: 'mono', 'data-testid': 'spec' }),
    message: h('p', { class: 'muted', 'data-testid': 'message' }),
    body: h('div', {}, h('p', { class: 'muted' }, 'Loading…')),
  };
  replace(
    main,
    h(
      'div',
      { class: 'head' },
      h('div', {}, h('h1', {}, ref.name, ' ', parts.phase), parts.spec, parts.message),
      parts.bar.element,
    ),
    parts.body,
  );
  stopFollowing = follow(
    { namespace: ref.namespace, name: ref.name },
    'rollout',
    (view) => {
      receivedAt = Date.now();
      renderRollout(parts, view);
    },
    setLive,
  );
}

function show() {
  stopFollowing();
  setLive('connecting');
  const route = parseRoute();
  if (route.page === 'rollout') showRollout(route);
  else showList(route.namespace);
}

window.addEventListener('hashchange', show);
setInterval(tick, 1000);
show();
