// Parses numbers as Prometheus writes them in JSON: decimal strings plus "NaN", "+Inf", "-Inf".

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN],
  ['+Inf', Infinity],
  ['Inf', Infinity],
  ['-Inf', -Infinity],
]);

/**
 * The number a Prometheus sample string stands for, or undefined if it is not one.
 * `Number()` alone is wrong here: it reads "" as 0, "+Inf" as NaN and "0x10" as 16.
 */
export function parseSampleValue(text: string): number | undefined {
  const special = SPECIAL.get(text);
  if (special !== undefined) return special;
  if (!DECIMAL.test(text)) return undefined;
  return Number(text);
}
