// Seeded randomness for the reliability harness: every random choice (fault kinds, delays, kill
// points, duplicate counts) comes from one printed seed, so a failing run can be replayed with
// KULTA_CHAOS_SEED=<seed>.

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export interface Random {
  readonly seed: number;
  /** The next number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** A new generator seeded from this one, for an independent stream (one per component). */
  fork(): Random;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick() needs at least one item');
      return item;
    },
    fork: () => seededRandom(Math.floor(next() * 4294967296)),
  };
  return random;
}

/**
 * The seed of this run: KULTA_CHAOS_SEED when set (to replay a failure), else a fresh one.
 * Printed either way, with the name of the test that uses it.
 */
export function runSeed(what: string): number {
  const given = process.env.KULTA_CHAOS_SEED;
  const seed =
    given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed) || seed < 0) {
    throw new Error(`KULTA_CHAOS_SEED must be a whole number ≥ 0, got "${String(given)}"`);
  }
  console.info(
    `[reliability] ${what}: seed ${String(seed)} (replay: KULTA_CHAOS_SEED=${String(seed)})`,
  );
  return seed;
}
