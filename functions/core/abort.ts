// What every strategy's abort shares: why it happened, and the confirmation that starts the
// scale-down countdown (none with abortScaleDownDelaySeconds 0, which keeps the canary running).
import { addSeconds } from './duration.ts';
import { AbortReason, type AbortCause, type RolloutStatus } from './rollout/types.ts';

/** The cause recorded with the abort, or the operator's when nothing else set one. */
export function abortCauseOf(status: RolloutStatus): AbortCause {
  return (
    status.abortCause ?? {
      reason: AbortReason.AbortedByUser,
      message: 'status.abort was set by an operator',
    }
  );
}

/** "AnalysisFailed: AnalysisRun x Failed (metric y)" for transition messages and Events. */
export function describeAbortCause(cause: AbortCause): string {
  return `${cause.reason}: ${cause.message}`;
}

/** Traffic is confirmed back on stable (older statuses only carry the countdown). */
export function abortConfirmed(status: RolloutStatus): boolean {
  return status.abortConfirmedAt !== undefined || status.abortScaleDownAt !== undefined;
}

/** The status once traffic is confirmed back on stable: the countdown starts, unless delay 0. */
export function confirmAbort(
  status: RolloutStatus,
  delaySeconds: number,
  now: string,
): RolloutStatus {
  return {
    ...status,
    abortConfirmedAt: now,
    abortScaleDownAt: delaySeconds > 0 ? addSeconds(now, delaySeconds) : undefined,
  };
}

/** What happens to the aborted revision's pods, for transition messages. */
export function scaleDownNote(delaySeconds: number): string {
  return delaySeconds > 0
    ? `scaling it down in ${String(delaySeconds)}s`
    : 'it keeps running (abortScaleDownDelaySeconds: 0)';
}

/** The aborted revision's pods go to 0 now: only after a countdown that was set and has passed. */
export function abortScaleDownDue(status: RolloutStatus, now: string): boolean {
  return (
    status.abortedAt !== undefined &&
    status.abortScaleDownAt !== undefined &&
    now >= status.abortScaleDownAt
  );
}

/** Status fields an abort leaves, cleared on retry and on a new revision. */
export const clearedAbort = {
  abort: undefined,
  abortedAt: undefined,
  abortCause: undefined,
  abortConfirmedAt: undefined,
  abortScaleDownAt: undefined,
} as const;
