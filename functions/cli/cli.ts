// `kulta`: parses the command line, runs one command, and returns the exit code. The streams
// and the signal come in, so the whole CLI runs the same from main.ts and from tests.
import { setTimeout as sleep } from 'node:timers/promises';
import packageJson from '../../package.json' with { type: 'json' };
import { readRolloutDetail, listRollouts } from '../view/rollout-detail.ts';
import type { RolloutDetail } from '../view/types.ts';
import { parseInvocation, UsageError, type Command, type Invocation } from './args.ts';
import { convertFiles } from './convert.ts';
import { helpText } from './help.ts';
import type { CliIo } from './io.ts';
import { connect, type Cluster } from './kube.ts';
import { lintFiles } from './lint/lint-files.ts';
import { operate, OperationError, type OperatorCommand } from './operate.ts';
import { formatData } from './output.ts';
import { paintFor, type Paint } from './paint.ts';
import { renderRolloutList } from './render-list.ts';
import { renderRolloutTree } from './render-tree.ts';
import { LiveScreen, type Output } from './screen.ts';
import { ExitCode, waitForStatus } from './status.ts';

export type { CliIo } from './io.ts';

function colourFor(io: CliIo, invocation: Invocation): boolean {
  return io.stdout.isTTY === true && !invocation.noColor && (io.env.NO_COLOR ?? '') === '';
}

function lines(out: Output, text: readonly string[]): void {
  out.write(`${text.join('\n')}\n`);
}

/** What changes in a detail besides the clock: redraw (or reprint) only when this changes. */
function detailKey(d: RolloutDetail): string {
  return JSON.stringify({
    ...d,
    readAt: '',
    pause: d.pause && { ...d.pause, remainingSeconds: 0 },
  });
}

async function watchDetail(
  cluster: Cluster,
  name: string,
  io: CliIo,
  paint: Paint,
): Promise<ExitCode> {
  const screen = io.stdout.isTTY === true ? new LiveScreen(io.stdout, Date.now()) : undefined;
  let lastKey = '';
  try {
    while (!io.signal.aborted) {
      const detail = await readRolloutDetail(cluster.clients, cluster.namespace, name);
      const frame = renderRolloutTree(detail, paint);
      const key = detailKey(detail);
      if (screen) screen.show(frame, key, Date.now());
      else if (key !== lastKey) lines(io.stdout, [...frame, '']);
      lastKey = key;
      await sleep(1000, undefined, { signal: io.signal }).catch(() => undefined);
    }
  } finally {
    screen?.end();
  }
  return ExitCode.Ok;
}

async function get(
  cluster: Cluster,
  command: Extract<Command, { kind: 'get' }>,
  io: CliIo,
  paint: Paint,
) {
  if (command.watch) return watchDetail(cluster, command.name, io, paint);
  const detail = await readRolloutDetail(cluster.clients, cluster.namespace, command.name);
  if (command.output) io.stdout.write(formatData(detail, command.output));
  else lines(io.stdout, renderRolloutTree(detail, paint));
  return ExitCode.Ok;
}

async function list(
  cluster: Cluster,
  command: Extract<Command, { kind: 'list' }>,
  io: CliIo,
  paint: Paint,
) {
  const namespace = command.allNamespaces ? undefined : cluster.namespace;
  const rollouts = await listRollouts(cluster.clients, namespace);
  if (command.output) {
    io.stdout.write(formatData(rollouts, command.output));
  } else if (rollouts.length === 0) {
    io.stderr.write(
      `No rollouts found${namespace === undefined ? '' : ` in namespace ${namespace}`}.\n`,
    );
  } else {
    lines(io.stdout, renderRolloutList(rollouts, paint, command.allNamespaces));
  }
  return ExitCode.Ok;
}

type OnlineCommand = Extract<Command, { kind: 'get' | 'list' | 'status' }> | OperatorCommand;

async function online(
  cluster: Cluster,
  command: OnlineCommand,
  io: CliIo,
  paint: Paint,
): Promise<ExitCode> {
  switch (command.kind) {
    case 'get':
      return get(cluster, command, io, paint);
    case 'list':
      return list(cluster, command, io, paint);
    case 'status':
      return waitForStatus(
        cluster.clients,
        { namespace: cluster.namespace, name: command.name },
        {
          watch: command.watch,
          timeoutMs: command.timeoutMs,
          pollMs: 1000,
          signal: io.signal,
          print: (line) => io.stdout.write(`${line}\n`),
          warn: (line) => io.stderr.write(`${line}\n`),
        },
      );
    case 'promote':
    case 'abort':
    case 'retry':
    case 'pause':
    case 'resume':
    case 'restart':
    case 'setImage':
    case 'undo': {
      const line = await operate(cluster.clients, cluster.namespace, command, new Date());
      io.stdout.write(`${line}\n`);
      return ExitCode.Ok;
    }
  }
}

async function dispatch(invocation: Invocation, io: CliIo): Promise<ExitCode> {
  const paint = paintFor(colourFor(io, invocation));
  const { command } = invocation;
  if (command.kind === 'help') {
    io.stdout.write(`${helpText(command.topic)}\n`);
    return ExitCode.Ok;
  }
  if (command.kind === 'version') {
    io.stdout.write(`kulta ${packageJson.version}\n`);
    return ExitCode.Ok;
  }
  if (command.kind === 'lint') return lintFiles(command.files, command.output, io, paint);
  if (command.kind === 'convert') return convertFiles(command.files, command.output, io, paint);
  return online(connect(invocation.cluster), command, io, paint);
}

/** Runs the CLI; never throws: every failure is a message on stderr and an exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    return await dispatch(parseInvocation(argv), io);
  } catch (error) {
    if (error instanceof UsageError) {
      const see = error.topic ? `kulta help ${error.topic}` : 'kulta help';
      io.stderr.write(`error: ${error.message}\n(see \`${see}\`)\n`);
      return ExitCode.Usage;
    }
    if (io.signal.aborted) return ExitCode.Ok;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${message}\n`);
    return error instanceof OperationError ? ExitCode.Failed : ExitCode.Error;
  }
}
