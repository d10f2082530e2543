// Small text pieces shared by the renderers: ages like kubectl's, phase colours and icons.
import type { Paint } from './paint.ts';

/** kubectl-style age: 45s, 3m20s, 12m, 5h10m, 20h, 3d. */
export function age(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${String(m)}m${s % 60 === 0 ? '' : `${String(s % 60)}s`}`;
  if (m < 180) return `${String(m)}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${String(h)}h${m % 60 === 0 ? '' : `${String(m % 60)}m`}`;
  if (h < 48) return `${String(h)}h`;
  return `${String(Math.floor(h / 24))}d`;
}

/** Age of `iso` at `now`, or "-" when unknown. */
export function ageAt(iso: string | undefined, now: Date): string {
  if (iso === undefined) return '-';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '-' : age((now.getTime() - t) / 1000);
}

const phaseIcons: Record<string, string> = {
  Healthy: '✔',
  Progressing: '◌',
  Paused: '॥',
  Degraded: '✖',
  Pending: '…',
};

/** "✔ Healthy", coloured by meaning. */
export function phaseText(phase: string, paint: Paint): string {
  const colour: Record<string, (s: string) => string> = {
    Healthy: paint.green,
    Progressing: paint.cyan,
    Paused: paint.yellow,
    Degraded: paint.red,
  };
  const icon = phaseIcons[phase] ?? '?';
  return (colour[phase] ?? paint.dim)(`${icon} ${phase}`);
}

// SGR colour sequences (ESC [ … m), which take no room on screen.
const colourEscapes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The length of `text` as shown, without colour escapes. */
export function visibleLength(text: string): number {
  return text.replace(colourEscapes, '').length;
}

/** Pads to `width` ignoring colour escapes. */
export function pad(text: string, width: number): string {
  const visible = visibleLength(text);
  return visible >= width ? text : text + ' '.repeat(width - visible);
}

/** Columns of text, each as wide as its widest cell, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  }
  return rows.map((row) =>
    row
      // An empty cell may still carry colour escapes; they would keep trailing spaces alive.
      .map((cell) => (visibleLength(cell) === 0 ? '' : cell))
      .map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
