// Argo Rollouts' `prometheus.rangeQuery`: start and end are expr-lang time expressions, step a
// duration. KULTA reads the forms Argo documents and its users write — `now()`, optionally plus or
// minus `duration("…")` terms — relative to the measurement time, never the wall clock, so a
// measurement is reproducible. Anything else is refused with the forms that work.
import { DurationError, parseDuration } from '../duration.ts';
import type { QueryData } from './prometheus-result.ts';

/** A range relative to the measurement time: offsets in milliseconds, and the step. */
export interface RangeQuerySpec {
  readonly start: string;
  readonly end: string;
  readonly step: string;
  readonly startOffsetMs: number;
  readonly endOffsetMs: number;
  readonly stepMs: number;
}

export class RangeQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RangeQueryError';
  }
}

const NOW = /^now\(\s*\)/;
const TERM = /^([+-])\s*duration\(\s*(?:"([^"]*)"|'([^']*)')\s*\)/;
const FORMS = 'write now(), now() - duration("10m") or now() - duration("1h") + duration("5m")';

/** The offset from the measurement time that `now() ± duration("…") …` stands for. */
export function parseTimeExpression(source: string, field: string): number {
  let rest = source.trim();
  if (!NOW.test(rest)) {
    throw new RangeQueryError(`${field}: cannot read ${JSON.stringify(source)}; ${FORMS}`);
  }
  rest = rest.replace(NOW, '').trim();
  let offset = 0;
  while (rest.length > 0) {
    const term = TERM.exec(rest);
    if (!term) throw new RangeQueryError(`${field}: cannot read ${JSON.stringify(rest)}; ${FORMS}`);
    const text = term[2] ?? term[3] ?? '';
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      if (error instanceof DurationError) throw new RangeQueryError(`${field}: ${error.message}`);
      throw error;
    }
    offset += term[1] === '-' ? -ms : ms;
    rest = rest.slice(term[0].length).trim();
  }
  return offset;
}

/** The range query's fields checked and turned into offsets; throws RangeQueryError. */
export function parseRangeQuery(
  fields: { readonly start?: string; readonly end?: string; readonly step?: string },
  field: string,
): RangeQuerySpec {
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined || value.trim() === '') {
      throw new RangeQueryError(
        `${field}.${name}: is required (Argo cannot run a range without it)`,
      );
    }
    return value;
  };
  const start = need(fields.start, 'start');
  const end = need(fields.end, 'end');
  const step = need(fields.step, 'step');
  const startOffsetMs = parseTimeExpression(start, `${field}.start`);
  const endOffsetMs = parseTimeExpression(end, `${field}.end`);
  let stepMs: number;
  try {
    stepMs = parseDuration(step);
  } catch (error) {
    if (error instanceof DurationError)
      throw new RangeQueryError(`${field}.step: ${error.message}`);
    throw error;
  }
  if (stepMs <= 0) throw new RangeQueryError(`${field}.step: must be longer than 0`);
  if (startOffsetMs > endOffsetMs) {
    throw new RangeQueryError(`${field}: start (${start}) is after end (${end})`);
  }
  return { start, end, step, startOffsetMs, endOffsetMs, stepMs };
}

/** The window of one measurement taken at `at`. */
export function rangeWindow(range: RangeQuerySpec, at: Date) {
  return {
    start: new Date(at.getTime() + range.startOffsetMs),
    end: new Date(at.getTime() + range.endOffsetMs),
    stepSeconds: range.stepMs / 1000,
  };
}

/**
 * A range answer as Argo's conditions see it: every value of every series, in one flat list
 * (so `all(result, {# < 0.05})` and `result[0]` read as they do in Argo). Other answers are
 * returned as they are.
 */
export function flattenRange(data: QueryData): QueryData {
  if (data.resultType !== 'matrix') return data;
  return {
    resultType: 'vector',
    samples: data.series.flatMap((s) => s.points.map((p) => ({ ...p, labels: s.labels }))),
  };
}
