// The RE2 syntax check behind setHeaderRoute's regex (@bufbuild/re2): its verdicts and messages
// are Go's regexp.Compile, the parser of the apiserver's CEL, recorded from Go 1.26 for each row.
import { describe, expect, it } from 'vitest';
import { re2SyntaxError } from '../../../functions/core/rollout/re2-syntax.ts';

describe('re2SyntaxError', () => {
  it.each([
    'canary',
    '(?i)^canary$',
    '^(.*;\\s*)?canary=always(;.*)?$',
    'user=(alice|bob)',
    '[a-z0-9._-]+@example\\.com',
    '\\d{3,5}',
    'x{2,}',
    'x{0}',
    'a*?b+?c??',
    '\\pL+',
    '\\p{Greek}',
    '\\PN',
    '[[:alpha:]_]+',
    '[^\\]]',
    '[]a]',
    '[a-]',
    '\\x41\\x{263a}\\101\\.\\_',
    '\\Qa.b*c\\E',
    '(?P<user>\\w+)',
    '(?<user>\\w+)',
    '(?i:abc)',
    '(?-i:abc)',
    '(?)',
    '\\A\\b\\B\\z',
    '^*',
    '(a{100}){10}',
    '\\Q(',
    'a{,5}',
    'a{01}',
    '(?:(?:a{1000}){0}){1000}',
    '\\p{Any}\\p{Lu}\\p{Latin}',
  ])('accepts %s, as Go does', (pattern) => {
    expect(re2SyntaxError(pattern)).toBeUndefined();
  });

  it.each([
    ['(abc', 'missing closing ): `(abc`'],
    ['abc)', 'unexpected ): `abc)`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*+', 'invalid nested repetition operator: `*+`'],
    ['x{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['(*a)', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!x)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=x)', 'invalid named capture: `(?<=x)`'],
    ['(?<!x)', 'invalid named capture: `(?<!x)`'],
    ['(?#comment)', 'invalid or unsupported Perl syntax: `(?#`'],
    ['(?x)abc', 'invalid or unsupported Perl syntax: `(?x`'],
    ['(?i-)abc', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:word:][:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\pN\\p{}', 'invalid character class range: `\\p{}`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['a{2,1}', 'invalid repeat count: `{2,1}`'],
    ['(a{100}){20}', 'invalid repeat count: `{20}`'],
    ['((a{10}){10}){11}', 'invalid repeat count: `{11}`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\x4', 'invalid escape sequence: `\\x4`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['a\\', 'trailing backslash at end of expression'], // Go adds ": ``"
    ['[abc', 'missing closing ]: `[abc`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['\\p{Nope}', 'invalid character class range: `\\p{Nope}`'],
    ['\\p{N0}', 'invalid character class range: `\\p{N0}`'],
    ['\\p{Latn}', 'invalid character class range: `\\p{Latn}`'],
    ['\\pX', 'invalid character class range: `\\pX`'],
  ])("refuses %s with Go's message", (pattern, message) => {
    expect(re2SyntaxError(pattern)).toBe(message);
  });

  it('refuses a capture name used twice, as RE2 (Envoy) does; Go accepts it', () => {
    expect(re2SyntaxError('(?P<a>x)(?P<a>y)')).toBe('duplicate capture group name: `a`');
  });

  it.each(['\\p{greek}', '\\p{Letter}', '\\p{ASCII}'])(
    'refuses the loose \\p name %s, as RE2 (Envoy) does; Go 1.25+ accepts it',
    (pattern) => {
      expect(re2SyntaxError(pattern)).toBe(`invalid character class range: \`${pattern}\``);
    },
  );
});
