// Analysis measurements over time as an inline SVG chart: one line per metric, one dot per
// measurement coloured by its phase; measurements without a number sit on the time axis.
import { s } from './dom.js';
import { clock, number } from './format.js';

const width = 520;
const height = 170;
const pad = { left: 56, right: 12, top: 12, bottom: 28 };

/** The first number in a raw value: "0.5", "[0.5]", "[{\"value\":0.5}]" → 0.5; else undefined. */
export function numericValue(raw) {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i.exec(raw);
  return match ? Number(match[0]) : undefined;
}

function extent(values) {
  let low = Math.min(0, ...values);
  let high = Math.max(...values);
  if (high === low) high = low + 1;
  return [low, high + (high - low) * 0.1];
}

function scales(points) {
  const times = points.map((p) => p.t);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const [v0, v1] = extent(points.filter((p) => p.v !== undefined).map((p) => p.v));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  return {
    x: (t) => pad.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW),
    y: (v) => pad.top + plotH - ((v - v0) / (v1 - v0)) * plotH,
    v0,
    v1,
    t0,
    t1,
  };
}

function axes(scale) {
  const bottom = height - pad.bottom;
  const ticks = [scale.v0, (scale.v0 + scale.v1) / 2, scale.v1];
  return [
    s('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: bottom, class: 'axis' }),
    s('line', { x1: pad.left, y1: bottom, x2: width - pad.right, y2: bottom, class: 'axis' }),
    ticks.map((v) => [
      s('line', {
        x1: pad.left,
        x2: width - pad.right,
        y1: scale.y(v),
        y2: scale.y(v),
        class: 'grid',
      }),
      s(
        'text',
        { x: pad.left - 6, y: scale.y(v) + 4, class: 'tick', 'text-anchor': 'end' },
        number(v),
      ),
    ]),
    s(
      'text',
      { x: pad.left, y: height - 8, class: 'tick' },
      clock(new Date(scale.t0).toISOString()),
    ),
    scale.t1 === scale.t0
      ? null
      : s(
          'text',
          { x: width - pad.right, y: height - 8, class: 'tick', 'text-anchor': 'end' },
          clock(new Date(scale.t1).toISOString()),
        ),
  ];
}

function dot(point, scale) {
  const y = point.v === undefined ? height - pad.bottom : scale.y(point.v);
  const label = `${clock(point.at)} · ${point.phase} · ${point.raw ?? point.message ?? 'no value'}`;
  return s(
    'circle',
    {
      cx: scale.x(point.t),
      cy: y,
      r: 4,
      class: `dot phase-${String(point.phase).toLowerCase()}`,
      'data-value': point.v === undefined ? '' : String(point.v),
    },
    s('title', {}, label),
  );
}

/**
 * An SVG chart of `measurements` ({ at, value, phase, message }), oldest first; null when there
 * is nothing to draw.
 */
export function measurementPlot(name, measurements) {
  const points = measurements
    .map((m) => ({ ...m, raw: m.value, t: new Date(m.at).getTime(), v: numericValue(m.value) }))
    .filter((p) => !Number.isNaN(p.t))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) return null;
  const scale = scales(points);
  const line = points
    .filter((p) => p.v !== undefined)
    .map((p) => `${scale.x(p.t).toFixed(1)},${scale.y(p.v).toFixed(1)}`)
    .join(' ');
  return s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      class: 'plot',
      role: 'img',
      'aria-label': `${name}: ${points.length} measurements`,
      'data-testid': 'measurement-plot',
    },
    axes(scale),
    line === '' ? null : s('polyline', { points: line, class: 'series' }),
    points.map((p) => dot(p, scale)),
  );
}
