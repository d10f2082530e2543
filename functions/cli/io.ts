// What a CLI command gets from its process: streams, files, environment and the Ctrl-C signal,
// passed in so the whole CLI runs the same from main.ts and from tests.
import type { Output } from './screen.ts';

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Reads a file, or standard input for "-". */
  readonly readFile: (path: string) => Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends --watch loops (Ctrl-C). */
  readonly signal: AbortSignal;
}
