// Durations as Argo writes them ("30", 30, "30s", "5m", "1h30m", "250ms"), and time arithmetic
// on ISO timestamps. Pure: no clock; times come in as data.

/** A duration that cannot be read; the message shows the accepted forms. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);
const WHOLE_SECONDS = /^\d+$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)([a-z]+)/y;
const HINT =
  'use whole seconds like 30, or number+unit parts with ms, s, m, h like "30s", "5m", "1h30m"';

function wholeSeconds(input: number): number {
  if (!Number.isSafeInteger(input) || input < 0) {
    throw new DurationError(`invalid duration ${input}: ${HINT}`);
  }
  if (!Number.isSafeInteger(input * 1000)) {
    throw new DurationError(`invalid duration ${input}: too long`);
  }
  return input * 1000;
}

/**
 * Milliseconds in `input`. A bare integer (number or digit string) means seconds, as in Argo;
 * otherwise a Go-style sequence of parts with the units ms, s, m, h. Throws DurationError.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') return wholeSeconds(input);
  const text = input.trim();
  if (WHOLE_SECONDS.test(text)) return wholeSeconds(Number(text));
  if (text === '') throw new DurationError(`invalid duration "": ${HINT}`);
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const part = PART.exec(text);
    if (part === null) {
      throw new DurationError(
        `invalid duration ${JSON.stringify(input)} at "${text.slice(pos)}": ${HINT}`,
      );
    }
    const unit = UNIT_MS.get(part[2] ?? '');
    if (unit === undefined) {
      throw new DurationError(
        `invalid duration ${JSON.stringify(input)}: unknown unit "${part[2] ?? ''}"; ${HINT}`,
      );
    }
    total += Number(part[1]) * unit;
    pos = PART.lastIndex;
  }
  if (!Number.isSafeInteger(Math.round(total))) {
    throw new DurationError(`invalid duration ${JSON.stringify(input)}: too long`);
  }
  return Math.round(total);
}

/** The latest time a Date can hold (ECMAScript: 8.64e15 ms after the epoch). */
const END_OF_TIME_MS = 8.64e15;

/** ISO time `seconds` after `iso`; a time beyond what a Date can hold is the latest one. */
export function addSeconds(iso: string, seconds: number): string {
  return new Date(Math.min(Date.parse(iso) + seconds * 1000, END_OF_TIME_MS)).toISOString();
}
