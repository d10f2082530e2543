// Durations as Argo writes them: an integer number of seconds, or "30s", "5m", "1h".

const unitSeconds = { s: 1, m: 60, h: 3600 } as const;

/** Seconds in `value`, or an error message naming what is accepted. */
export function parseDuration(value: unknown): number | { error: string } {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0
      ? value
      : { error: `must be a whole number of seconds ≥ 0, got ${String(value)}` };
  }
  if (typeof value !== 'string') return { error: `must be a number or a string like "30s"` };
  const match = /^(\d+)(s|m|h)?$/.exec(value);
  if (!match?.[1]) {
    return { error: `"${value}" is not a duration: use seconds (30) or "30s", "5m", "1h"` };
  }
  const unit = (match[2] ?? 's') as keyof typeof unitSeconds;
  return Number(match[1]) * unitSeconds[unit];
}

/** ISO time `seconds` after `iso`. */
export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** Whole seconds from `from` to `to` (negative when `to` is earlier). */
export function secondsBetween(from: string, to: string): number {
  return Math.floor((Date.parse(to) - Date.parse(from)) / 1000);
}
