// A killable child process running KULTA's functions as a person runs them: `node <entry>` with
// its configuration in the environment (KUBECONFIG, K_SINK, PORT…). The harness kills it with
// SIGKILL at chosen points of a step (no graceful shutdown, nothing flushed) and starts it again;
// its output goes to a log file kept for the report of a failing run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../../bed/processes.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// The repo's Node 24 (the `node` devDependency) when installed, else this process's.
const repoNode = join(repoRoot, 'node_modules', '.bin', 'node');
export const nodeBinary = existsSync(repoNode) ? repoNode : process.execPath;

export interface FunctionsProcessOptions {
  /** Entry file relative to the repo, e.g. functions/local/main.ts. */
  readonly entry: string;
  /** Environment of the child (PATH is added); PORT and KULTA_LISTEN_HOST are set here. */
  readonly env: Readonly<Record<string, string>>;
  /** Where stdout and stderr go (appended across restarts). */
  readonly logFile: string;
  /** Path of the health route on the child's port; default /healthz. */
  readonly healthPath?: string;
}

export class FunctionsProcess {
  readonly #options: FunctionsProcessOptions;
  #child: ChildProcess | undefined;
  #port = 0;
  /** How many times the process was started, and killed by the harness. */
  starts = 0;
  kills = 0;
  /** Exits the harness did not cause (a crash), with their code or signal. */
  readonly crashes: string[] = [];

  constructor(options: FunctionsProcessOptions) {
    this.#options = options;
  }

  get url(): string {
    return `http://127.0.0.1:${String(this.#port)}`;
  }

  get alive(): boolean {
    return (
      this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
    );
  }

  /** Starts the process on a free port (the same port after the first start) and waits for health. */
  async start(): Promise<void> {
    if (this.alive) return;
    if (this.#port === 0) this.#port = await freePort();
    const log = await open(this.#options.logFile, 'a');
    try {
      const child = spawn(nodeBinary, [join(repoRoot, this.#options.entry)], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          ...this.#options.env,
          PORT: String(this.#port),
          KULTA_LISTEN_HOST: '127.0.0.1',
        },
        stdio: ['ignore', log.fd, log.fd],
      });
      this.#child = child;
      this.starts += 1;
      child.once('exit', (code, signal) => {
        if (this.#child === child && signal !== 'SIGKILL') {
          this.crashes.push(`exit code ${String(code)} signal ${String(signal)}`);
        }
      });
    } finally {
      await log.close();
    }
    const health = `${this.url}${this.#options.healthPath ?? '/healthz'}`;
    await waitFor(
      `the functions process at ${health} (log: ${this.#options.logFile})`,
      async () => {
        if (!this.alive) throw new Error(`it exited: ${await this.logTail()}`);
        return (await fetch(health)).ok;
      },
      30_000,
    );
  }

  /** SIGKILL, as a node losing the pod would; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (await this.#sigkill()) this.kills += 1;
  }

  /** Stops the process for good (SIGKILL: the harness never needs a graceful stop). */
  async stop(): Promise<void> {
    await this.#sigkill();
    this.#child = undefined;
  }

  async #sigkill(): Promise<boolean> {
    const child = this.#child;
    if (!child || !this.alive) return false;
    const gone = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    child.kill('SIGKILL');
    await gone;
    return true;
  }

  async logTail(lines = 30): Promise<string> {
    try {
      return (await readFile(this.#options.logFile, 'utf8')).split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
