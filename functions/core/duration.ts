// Durations as Argo writes them: a bare number of seconds ("30", 30) or a Go duration ("30s",
// "5m", "1h30m", "1.5h", "500ms", "250us"), and time arithmetic on ISO timestamps. Pure: no
// clock; times come in as data.

/** A duration that cannot be read; the message shows the accepted forms. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

// Go's time.ParseDuration units (both spellings of the micro sign, as Go accepts them).
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['\u00b5s', 1e-3],
  ['\u03bcs', 1e-3],
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);
const WHOLE_SECONDS = /^\d+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)([a-z\u00b5\u03bc]+)/y;
const HINT =
  'use whole seconds like 30, or a Go duration like "30s", "5m", "1h30m", "1.5h", "500ms" (units ns, us, ms, s, m, h)';

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
 * Milliseconds in `input` (rounded to the nearest one). A bare integer (number or digit string)
 * means seconds, as in Argo; otherwise a Go duration: number+unit parts with the units ns, us
 * (or µs), ms, s, m, h, fractions allowed ("1.5h"). No sign: a negative duration is refused.
 * Throws DurationError.
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
