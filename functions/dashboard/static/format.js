// Times, durations and numbers as people read them.

/** "12:04:31" in the browser's time zone; the full ISO time stays in the title. */
export function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString(undefined, { hour12: false });
}

/** "1h 02m", "3m 05s", "42s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600)
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "3m 05s ago" for a past time, relative to `now` (ms). */
export function ago(iso, now) {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return '';
  return `${duration((now - at) / 1000)} ago`;
}

/** A measured value as a short number: 0.0123 → "0.0123", 1234.5678 → "1234.57". */
export function number(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 0.01) return value.toPrecision(3);
  return String(Math.round(value * 100) / 100);
}
