// Small statistics for the bench: nearest-rank percentiles and a summary of a sample.
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function summarize(values: readonly number[], digits = 2): Summary {
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / n;
  return {
    n,
    p50: round(percentile(values, 50), digits),
    p99: round(percentile(values, 99), digits),
    min: round(n === 0 ? Number.NaN : Math.min(...values), digits),
    max: round(n === 0 ? Number.NaN : Math.max(...values), digits),
    mean: round(mean, digits),
  };
}

/** "12.3 ms" / "1.25 s" for a number of milliseconds. */
export function ms(value: number): string {
  if (Number.isNaN(value)) return '-';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}
