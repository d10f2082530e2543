// The command line, parsed once into a typed command (node's util.parseArgs): which command,
// its arguments, and the cluster options. Every mistake is a UsageError that says the fix.
import { parseArgs } from 'node:util';
import { DurationError, parseDuration } from '../core/duration.ts';

/** A mistake on the command line: exit 2, with the message and a pointer to the help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly topic: string | undefined;
  constructor(message: string, topic?: string) {
    super(message);
    this.topic = topic;
  }
}

export type OutputFormat = 'json' | 'yaml';

/** Where to talk to: the kubeconfig file, its context, the namespace. */
export interface ClusterOptions {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string | undefined;
}

/** The operator actions that only patch the Rollout (Argo's CLI contract). */
export type PatchAction = 'abort' | 'retry' | 'pause' | 'resume' | 'restart';

export type Command =
  | { readonly kind: 'help'; readonly topic: string | undefined }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'get';
      readonly name: string;
      readonly watch: boolean;
      readonly output: OutputFormat | undefined;
    }
  | {
      readonly kind: 'list';
      readonly allNamespaces: boolean;
      readonly output: OutputFormat | undefined;
    }
  | {
      readonly kind: 'status';
      readonly name: string;
      readonly watch: boolean;
      /** Milliseconds; undefined waits for ever. */
      readonly timeoutMs: number | undefined;
    }
  | { readonly kind: 'promote'; readonly name: string; readonly full: boolean }
  | { readonly kind: PatchAction; readonly name: string }
  | {
      readonly kind: 'setImage';
      readonly name: string;
      readonly images: readonly { readonly container: string; readonly image: string }[];
    }
  | { readonly kind: 'undo'; readonly name: string; readonly toRevision: number | undefined }
  | {
      readonly kind: 'lint';
      readonly files: readonly string[];
      readonly output: OutputFormat | undefined;
    }
  | { readonly kind: 'convert'; readonly files: readonly string[]; readonly output: OutputFormat };

export interface Invocation {
  readonly command: Command;
  readonly cluster: ClusterOptions;
  /** --no-color: never colour, even on a TTY. */
  readonly noColor: boolean;
}

const optionSpec = {
  namespace: { type: 'string', short: 'n' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' },
  full: { type: 'boolean' },
  timeout: { type: 'string', short: 't' },
  'to-revision': { type: 'string' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  // --no-color (allowNegative turns it into color: false).
  color: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof optionSpec;
type Values = ReturnType<typeof parseWords>['values'];

const common: readonly OptionName[] = ['namespace', 'context', 'kubeconfig', 'color', 'help'];
const offline: readonly OptionName[] = ['color', 'help'];

/** The options each command takes besides `common` (offline commands take only `offline`). */
const commandOptions: Readonly<Record<string, readonly OptionName[]>> = {
  get: ['watch', 'output'],
  list: ['all-namespaces', 'output'],
  status: ['watch', 'timeout'],
  promote: ['full'],
  abort: [],
  retry: [],
  pause: [],
  resume: [],
  restart: [],
  set: [],
  undo: ['to-revision'],
  lint: ['output'],
  convert: ['output'],
  version: [],
  help: [],
};

const offlineCommands = new Set(['lint', 'convert', 'version', 'help']);

function parseWords(argv: readonly string[]) {
  // Go-style booleans as kubectl users type them: --watch=false.
  const words = argv.map((a) =>
    a === '--watch=false' ? '--no-watch' : a === '--watch=true' ? '--watch' : a,
  );
  return parseArgs({
    args: words,
    options: optionSpec,
    allowPositionals: true,
    allowNegative: true,
    strict: true,
  });
}

function checkOptions(command: string, values: Values): void {
  const allowed = new Set([
    ...(offlineCommands.has(command) ? offline : common),
    ...(commandOptions[command] ?? []),
  ]);
  for (const name of Object.keys(values)) {
    if (allowed.has(name as OptionName)) continue;
    throw new UsageError(`kulta ${command} does not take --${name}`, command);
  }
}

function outputOf(values: Values, allowed: readonly OutputFormat[]): OutputFormat | undefined {
  const o = values.output;
  if (o === undefined) return undefined;
  if ((allowed as readonly string[]).includes(o)) return o as OutputFormat;
  throw new UsageError(
    `-o ${o} is not supported here; use ${allowed.map((a) => `-o ${a}`).join(' or ')}`,
  );
}

function oneName(command: string, rest: readonly string[], what = 'ROLLOUT'): string {
  const [name, ...extra] = rest;
  if (name === undefined) throw new UsageError(`kulta ${command} needs the ${what} name`, command);
  if (extra.length > 0) {
    throw new UsageError(
      `kulta ${command} takes one ${what} name; unexpected: ${extra.join(' ')}`,
      command,
    );
  }
  return name;
}

const rolloutWords = new Set(['rollout', 'rollouts', 'ro']);

/** `rollout NAME` or `NAME` (Argo accepts both for retry; we accept both everywhere). */
function rolloutName(command: string, rest: readonly string[]): string {
  const [first, ...others] = rest;
  return oneName(
    command,
    first !== undefined && rolloutWords.has(first) && others.length > 0 ? others : rest,
  );
}

function timeoutOf(values: Values): number | undefined {
  if (values.timeout === undefined) return undefined;
  try {
    const ms = parseDuration(values.timeout);
    return ms === 0 ? undefined : ms;
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw new UsageError(`--timeout ${values.timeout}: ${error.message}`, 'status');
  }
}

function imagePairs(pairs: readonly string[]): { container: string; image: string }[] {
  if (pairs.length === 0) {
    throw new UsageError(
      'kulta set image needs CONTAINER=IMAGE (or *=IMAGE for every container)',
      'set',
    );
  }
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    const container = pair.slice(0, at);
    const image = pair.slice(at + 1);
    if (at <= 0 || image === '') {
      throw new UsageError(
        `"${pair}" is not CONTAINER=IMAGE, e.g. web=registry.example/web:2.0`,
        'set',
      );
    }
    return { container, image };
  });
}

function setCommand(rest: readonly string[]): Command {
  const [what, name, ...pairs] = rest;
  if (what !== 'image') {
    throw new UsageError('kulta set supports only `set image ROLLOUT CONTAINER=IMAGE`', 'set');
  }
  if (name === undefined) throw new UsageError('kulta set image needs the ROLLOUT name', 'set');
  return { kind: 'setImage', name, images: imagePairs(pairs) };
}

function revisionOf(values: Values): number | undefined {
  const raw = values['to-revision'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--to-revision ${raw}: use a revision number (1, 2, …) from \`kulta get rollout\``,
      'undo',
    );
  }
  return n;
}

function files(command: string, rest: readonly string[]): string[] {
  if (rest.length === 0)
    throw new UsageError(`kulta ${command} needs a FILE (or - for standard input)`, command);
  return [...rest];
}

function getCommand(rest: readonly string[], values: Values): Command {
  const [what, ...others] = rest;
  if (what === undefined || !rolloutWords.has(what)) {
    throw new UsageError('kulta get supports `get rollout NAME` and `get rollouts`', 'get');
  }
  const output = outputOf(values, ['json', 'yaml']);
  if (others.length === 0 && what !== 'rollout') return listCommand([], values);
  return {
    kind: 'get',
    name: oneName('get rollout', others),
    watch: values.watch === true,
    output,
  };
}

function listCommand(rest: readonly string[], values: Values): Command {
  if (rest.length > 1 || (rest[0] !== undefined && !rolloutWords.has(rest[0]))) {
    throw new UsageError('kulta list supports `list rollouts`', 'list');
  }
  return {
    kind: 'list',
    allNamespaces: values['all-namespaces'] === true,
    output: outputOf(values, ['json', 'yaml']),
  };
}

function commandOf(command: string, rest: readonly string[], values: Values): Command {
  switch (command) {
    case 'get':
      return getCommand(rest, values);
    case 'list':
      return listCommand(rest, values);
    case 'status':
      return {
        kind: 'status',
        name: rolloutName(command, rest),
        watch: values.watch !== false,
        timeoutMs: timeoutOf(values),
      };
    case 'promote':
      return { kind: 'promote', name: rolloutName(command, rest), full: values.full === true };
    case 'abort':
    case 'retry':
    case 'pause':
    case 'resume':
    case 'restart':
      return { kind: command, name: rolloutName(command, rest) };
    case 'set':
      return setCommand(rest);
    case 'undo':
      return { kind: 'undo', name: rolloutName(command, rest), toRevision: revisionOf(values) };
    default:
      return offlineCommandOf(command, rest, values);
  }
}

function offlineCommandOf(command: string, rest: readonly string[], values: Values): Command {
  switch (command) {
    case 'lint':
      return { kind: 'lint', files: files(command, rest), output: outputOf(values, ['json']) };
    case 'convert':
      return {
        kind: 'convert',
        files: files(command, rest),
        output: outputOf(values, ['yaml', 'json']) ?? 'yaml',
      };
    case 'version':
      return { kind: 'version' };
    case 'help':
      return { kind: 'help', topic: rest[0] };
    default:
      throw new UsageError(`unknown command "${command}"; see \`kulta help\``);
  }
}

/** Parses argv (without node and the script). Throws UsageError. */
export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed: ReturnType<typeof parseWords>;
  try {
    parsed = parseWords(argv);
  } catch (error) {
    // parseArgs' messages name the option ("Unknown option '--foo'"); add where to look.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}; see \`kulta help\``);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const cluster = {
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace,
  };
  if (values.color === true) {
    throw new UsageError('colours are used on a terminal by themselves; --no-color turns them off');
  }
  const noColor = values.color === false;
  if (command === undefined)
    return { command: { kind: 'help', topic: undefined }, cluster, noColor };
  if (!(command in commandOptions))
    throw new UsageError(`unknown command "${command}"; see \`kulta help\``);
  if (values.help === true) return { command: { kind: 'help', topic: command }, cluster, noColor };
  checkOptions(command, values);
  return { command: commandOf(command, rest, values), cluster, noColor };
}
