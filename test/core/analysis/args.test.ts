// Argument substitution: escaping per quoting context, strict values outside quotes, missing args.
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  argumentsUsed,
  escapePromQLString,
  substituteArgs,
} from '../../../functions/core/analysis/args.ts';

describe('substituting arguments', () => {
  it.each<{ name: string; template: string; args: Record<string, string>; expected: string }>([
    {
      name: 'label value in double quotes',
      template: 'up{service="{{args.service}}"}',
      args: { service: 'checkout' },
      expected: 'up{service="checkout"}',
    },
    {
      name: 'spaces inside the braces and dashes in the name',
      template: 'up{service="{{ args.service-name }}"}',
      args: { 'service-name': 'a' },
      expected: 'up{service="a"}',
    },
    {
      name: 'the same argument twice',
      template: 'a{x="{{args.x}}"} / b{x="{{args.x}}"}',
      args: { x: 'v' },
      expected: 'a{x="v"} / b{x="v"}',
    },
    {
      name: 'a range duration outside quotes (strict)',
      template: 'rate(x[{{args.window}}])',
      args: { window: '5m' },
      expected: 'rate(x[5m])',
    },
    {
      name: 'a metric name outside quotes (strict)',
      template: '{{args.metric}}{job="api"}',
      args: { metric: 'http_requests_total:rate5m' },
      expected: 'http_requests_total:rate5m{job="api"}',
    },
    {
      name: 'single-quoted string: only the single quote is escaped',
      template: "up{service='{{args.s}}'}",
      args: { s: `it's "x"` },
      expected: String.raw`up{service='it\'s "x"'}`,
    },
    {
      name: 'raw string keeps the value as is',
      template: 'up{path=`{{args.p}}`}',
      args: { p: String.raw`C:\dir "x"` },
      expected: 'up{path=`C:\\dir "x"`}',
    },
    {
      name: 'an escaped quote in the template does not end the string',
      template: String.raw`up{a="\"{{args.x}}"}`,
      args: { x: 'q"' },
      expected: String.raw`up{a="\"q\""}`,
    },
  ])('$name', ({ template, args, expected }) => {
    expect(substituteArgs(template, args)).toBe(expected);
  });

  it('lists the arguments a template uses', () => {
    expect(argumentsUsed('a{x="{{args.x}}",y="{{ args.y }}"}[{{args.x}}]')).toEqual(['x', 'y']);
  });
});

describe('injection attempts cannot change the query shape', () => {
  it.each<{ name: string; value: string; expected: string }>([
    {
      name: 'closing the matcher and adding an or',
      value: 'checkout"} or vector(1) #',
      expected: String.raw`up{service="checkout\"} or vector(1) #"}`,
    },
    {
      name: 'backslash before the quote',
      value: 'a\\"} or up{x="',
      expected: String.raw`up{service="a\\\"} or up{x=\""}`,
    },
    {
      name: 'newline and comment',
      value: 'a"}\n# comment\nor vector(1)',
      expected: String.raw`up{service="a\"}\n# comment\nor vector(1)"}`,
    },
    {
      name: 'control characters and DEL',
      value: 'a\u0000b\u007fc\td\r',
      expected: String.raw`up{service="a\x00b\x7fc\td\r"}`,
    },
  ])('$name', ({ value, expected }) => {
    const query = substituteArgs('up{service="{{args.service}}"}', { service: value });
    expect(query).toBe(expected);
    // The substituted query has exactly one string literal, closed where the template closes it.
    expect(stringLiterals(query)).toHaveLength(1);
    expect(query.endsWith('"}')).toBe(true);
  });

  it.each<{ name: string; template: string; value: string; message: RegExp }>([
    {
      name: 'a matcher outside quotes',
      template: 'up{service={{args.s}}}',
      value: '"x"} or vector(1)',
      message:
        /argument "s" is used outside quotes, where only letters, digits and _ : \. - are allowed/,
    },
    {
      name: 'a space outside quotes',
      template: 'rate(x[{{args.w}}])',
      value: '5m] or vector(1',
      message: /outside quotes/,
    },
    {
      name: 'a newline in a comment would end the comment',
      template: 'up # {{args.note}}',
      value: 'a\nor vector(1)',
      message: /outside quotes/,
    },
    {
      name: 'a backtick in a raw string',
      template: 'up{path=`{{args.p}}`}',
      value: 'a` or vector(1) #',
      message: /cannot be placed in a raw string: it contains a backtick/,
    },
  ])('refuses $name', ({ template, value, message }) => {
    const name = /args\.(\w+)/.exec(template)?.[1] ?? '';
    expect(() => substituteArgs(template, { [name]: value })).toThrow(message);
  });

  it('escapes regex metacharacters when asked, for =~ matchers', () => {
    const query = substituteArgs(
      'up{pod=~"{{args.pod}}-.*"}',
      { pod: 'web.v1(a)' },
      { escapeRegex: true },
    );
    expect(query).toBe(String.raw`up{pod=~"web\\.v1\\(a\\)-.*"}`);
  });
});

describe('missing arguments', () => {
  it.each<{ name: string; args: Record<string, string | undefined> }>([
    { name: 'absent', args: {} },
    { name: 'undefined', args: { service: undefined } },
    {
      name: 'inherited from Object.prototype',
      args: Object.create({ service: 'x' }) as Record<string, string>,
    },
  ])('names the argument when it is $name', ({ args }) => {
    let thrown: unknown;
    try {
      substituteArgs('up{s="{{args.service}}"}', args);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ArgumentError);
    expect(thrown).toMatchObject({
      argument: 'service',
      message: 'the query uses {{args.service}} but no value was given for argument "service"',
    });
  });

  it('does not look up prototype names like constructor', () => {
    expect(() => substituteArgs('up{s="{{args.constructor}}"}', {})).toThrow(/"constructor"/);
  });
});

describe('escapePromQLString', () => {
  it('leaves ordinary text alone, including non-ASCII', () => {
    expect(escapePromQLString('käse/ü 1.0')).toBe('käse/ü 1.0');
  });
});

/** The string literals of a PromQL query, honouring escapes: enough to check its shape. */
function stringLiterals(query: string): string[] {
  return [...query.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
}
