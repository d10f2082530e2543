// `kulta status NAME`, for CI pipelines, with `kubectl argo rollouts status` semantics: it
// watches until the rollout is Healthy (exit 0) or Degraded (exit 1, aborted included); Paused
// and Progressing keep it waiting; --timeout gives up (exit 3). A phase is only believed once
// the controller has observed the current spec (status.observedGeneration = generation), so
// `set image` followed at once by `status` waits for the new revision, not the old Healthy.
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeRollout } from '../view/summary.ts';
import { readRollout, type ViewClients } from '../view/rollout-detail.ts';
import type { RolloutSummary } from '../view/types.ts';

export const ExitCode = {
  /** Done: healthy, or the command did what it was asked. */
  Ok: 0,
  /** Degraded or aborted (status); problems found (lint, convert); the operation was refused. */
  Failed: 1,
  /** The command line is wrong. */
  Usage: 2,
  /** status --timeout passed before the rollout was Healthy or Degraded. */
  Timeout: 3,
  /** The cluster or a file could not be read (not found, unreachable, not allowed). */
  Error: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface StatusVerdict {
  /** True when watching can stop. */
  readonly done: boolean;
  readonly code: ExitCode;
  /** "Paused - paused at step 1 until promoted" (Argo's "<status> - <message>"). */
  readonly line: string;
}

/** What one look at the rollout says. */
export function statusVerdict(s: RolloutSummary): StatusVerdict {
  if (!s.observed) {
    return {
      done: false,
      code: ExitCode.Ok,
      line: 'Progressing - waiting for the controller to observe the newest spec',
    };
  }
  const line = s.message ? `${s.phase} - ${s.message}` : s.phase;
  if (s.phase === 'Healthy') return { done: true, code: ExitCode.Ok, line };
  if (s.phase === 'Degraded') return { done: true, code: ExitCode.Failed, line };
  return { done: false, code: ExitCode.Ok, line };
}

export interface StatusOptions {
  readonly watch: boolean;
  readonly timeoutMs: number | undefined;
  readonly pollMs: number;
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
  /** For the timeout message (standard error). */
  readonly warn: (line: string) => void;
}

/** Watches the rollout; returns the exit code. Prints each new "<status> - <message>" line. */
export async function waitForStatus(
  clients: ViewClients,
  ref: { readonly namespace: string; readonly name: string },
  options: StatusOptions,
): Promise<ExitCode> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const verdict = statusVerdict(
      summarizeRollout(await readRollout(clients, ref.namespace, ref.name), new Date()),
    );
    if (verdict.line !== last) options.print(verdict.line);
    last = verdict.line;
    if (verdict.done) return verdict.code;
    if (!options.watch) return ExitCode.Ok;
    if (Date.now() >= deadline) {
      options.warn(
        `timed out after ${String((options.timeoutMs ?? 0) / 1000)}s: Rollout ${ref.namespace}/${ref.name} is neither Healthy nor Degraded (last: ${last})`,
      );
      return ExitCode.Timeout;
    }
    await sleep(Math.min(options.pollMs, Math.max(0, deadline - Date.now())), undefined, {
      signal: options.signal,
    });
  }
}
