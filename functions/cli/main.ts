// The `kulta` command (also `kubectl kulta`): `npm run kulta -- ARGS`, or the bundled bin.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runCli } from './cli.ts';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});

async function readInput(path: string): Promise<string> {
  if (path === '-') return text(process.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error);
    throw new Error(`cannot read ${path}: ${why}`, { cause: error });
  }
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readFile: readInput,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Pooled keep-alive connections to the apiserver would hold the process open for a while.
process.stdout.write('', () => process.exit(code));
