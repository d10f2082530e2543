// The story of a rollout: every transition, newest first, with its Kubernetes Event and the
// CDEvents it recorded (type and id).
import { h } from './dom.js';
import { clock } from './format.js';

function cdeventLine(cdevent) {
  return h(
    'li',
    { 'data-testid': 'cdevent', 'data-type': cdevent.type, 'data-id': cdevent.id },
    h('code', {}, cdevent.type),
    ' ',
    h('code', { class: 'muted' }, cdevent.id),
    cdevent.pending ? h('span', { class: 'tag' }, 'waiting for the sink') : null,
  );
}

function entry(item) {
  return h(
    'li',
    { 'data-testid': 'transition', 'data-transition': item.transition, 'data-event': item.event },
    h(
      'span',
      { class: 'muted', title: item.at ?? '' },
      item.at ? clock(item.at) : '',
      h('div', {}, `#${item.transition}`),
    ),
    h(
      'div',
      {},
      h('span', { class: 'event-name' }, item.event),
      item.kubernetesEvent?.type === 'Warning'
        ? h('span', { class: 'tag error' }, 'Warning')
        : null,
      item.kubernetesEvent
        ? h('span', { class: 'tag', title: 'Kubernetes Event' }, item.kubernetesEvent.reason)
        : null,
      h('div', {}, item.message),
      item.cdevents.length > 0
        ? h('ul', { class: 'cdevents' }, item.cdevents.map(cdeventLine))
        : null,
    ),
  );
}

/** The timeline panel for `timeline` (the dashboard's TimelineEntry[], newest first). */
export function timelinePanel(timeline) {
  return h(
    'section',
    { class: 'panel', 'data-testid': 'timeline' },
    h('h2', {}, 'Timeline'),
    timeline.length === 0
      ? h('p', { class: 'muted' }, 'No transitions yet.')
      : h('ol', { class: 'timeline' }, timeline.map(entry)),
  );
}
