// The analysis condition language: Argo Rollouts' `expr` syntax, parsed to a tree, never eval.
//
// Conditions are Argo Rollouts' `successCondition`/`failureCondition` as its users write them,
// e.g. `result[0] < 0.05`, `all(result, # < 1000)`, `default(result, 0) <= 10`,
// `len(result) > 0 && all(result, {# >= 0.99})`. Supported (expr-lang's language definition):
// - literals: numbers (`1`, `0.5`, `.5`, `1e-3`, `1_000`), strings in '…', "…" (escapes \\ \" \'
//   \n \t \r) or `…` (raw), `true`, `false`, `nil`, arrays `[1, 2]`;
// - names from the environment (only `result` in a metric), `x[i]` (negative i counts from the
//   end), `x["key"]` and `x.key` on objects (own fields only);
// - operators, loosest first: `c ? a : b`; `||`/`or`; `&&`/`and`; `==` `!=`; `<` `<=` `>` `>=`
//   (numbers or strings), `in`, `not in` (array elements, object keys), `contains`,
//   `startsWith`, `endsWith` (strings); `+` `-`; `*` `/` `%`; unary `!`/`not` `-` `+`; `**`/`^`;
//   `a ?? b` (b when a is nil or missing); parentheses;
// - predicates `all any none one filter map count find` (xs, predicate) where the predicate is
//   written with or without braces (`all(result, # < 5)`, `all(result, {# < 5})`), `#` is the
//   element and `.field` is `#.field`;
// - functions: len, first, last, sum, mean, median, max, min (of numbers or one array), abs,
//   ceil, floor, round, int, float, string, lower, upper, trim, and Argo's isNaN, isInf, isNil,
//   default(x, d) (d when x is nil or missing), asInt, asFloat.
// Types are strict: `&&` wants booleans, `<` numbers or strings; nothing is truthy. Numbers are
// IEEE doubles as in Argo (Go float64): 1/0 is +Inf, comparisons with NaN are false.
// Not supported, refused with a message: `matches` (no regular expressions on metric values),
// map literals, ranges, pipes, `let`, member functions.
// Hard limits (EXPRESSION_LIMITS): 4096 characters, nesting depth 32, 512 nodes, 100,000
// evaluation steps; beyond them parsing or evaluation fails with an ExpressionError, so hostile
// input can neither overflow the stack nor spin.
import { nodesOf, type ExpressionNode } from './expression-ast.ts';
import { ExpressionError } from './expression-tokens.ts';
import { parseExpression } from './expression-parse.ts';

export { EXPRESSION_LIMITS, ExpressionError } from './expression-tokens.ts';
export { FUNCTIONS } from './expression-ast.ts';
export type { BinaryOperator, ExpressionNode, FunctionName } from './expression-ast.ts';
export { parseExpression } from './expression-parse.ts';

/** The names a metric's conditions may use. */
export const CONDITION_NAMES: readonly string[] = ['result'];

/**
 * Parses a condition and checks that it names nothing but `names` (so `results[0]` fails when
 * the template is read, not at every measurement). Throws ExpressionError naming the column.
 */
export function parseCondition(
  source: string,
  names: readonly string[] = CONDITION_NAMES,
): ExpressionNode {
  const tree = parseExpression(source);
  for (const node of nodesOf(tree)) {
    if (node.kind === 'name' && !names.includes(node.name)) {
      const hint = names.length === 1 ? `; the metric's value is \`${names[0] ?? ''}\`` : '';
      throw new ExpressionError(
        `unknown name "${node.name}" at column ${node.pos + 1} (available: ${names.join(', ')})${hint}`,
        node.pos + 1,
      );
    }
  }
  return tree;
}
