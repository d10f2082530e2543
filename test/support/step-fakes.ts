// Fakes of the step's ports that record every call, for the shell's tests.
import type { Action } from '../../functions/core/actions.ts';
import type { Observed } from '../../functions/core/observed.ts';
import type { RolloutSpec, RolloutStatus } from '../../functions/core/rollout/types.ts';
import type {
  EventSink,
  Fence,
  RolloutRef,
  RolloutStore,
  TransitionRecorder,
  World,
} from '../../functions/ports.ts';
import type { StepDeps, StepNotes } from '../../functions/runtime/step.ts';
import { aWorld } from '../fixtures/rollout-builder.ts';

export type Call =
  | { readonly port: 'get'; readonly ref: RolloutRef }
  | {
      readonly port: 'observe';
      readonly ref: RolloutRef;
      readonly uid: string;
      readonly spec: RolloutSpec;
    }
  | {
      readonly port: 'commitStatus';
      readonly ref: RolloutRef;
      readonly resourceVersion: string;
      readonly status: RolloutStatus;
    }
  | { readonly port: 'setActive'; readonly ref: RolloutRef; readonly active: boolean }
  | {
      readonly port: 'finalizer';
      readonly ref: RolloutRef;
      readonly action: 'add' | 'remove';
      readonly current: readonly string[];
    }
  | {
      readonly port: 'apply';
      readonly action: Action;
      readonly fence: Fence;
      readonly spec: RolloutSpec;
    }
  | { readonly port: 'deliver'; readonly ids: readonly string[] }
  | { readonly port: 'record'; readonly event: string }
  | { readonly port: 'eventNotRecorded'; readonly event: string; readonly error: unknown };

export interface FakeOptions {
  readonly raw: unknown;
  readonly observed?: Observed;
  readonly now?: string;
  readonly commitError?: Error;
  readonly observeError?: Error;
  /** The world refuses every action with this error. */
  readonly applyError?: Error;
  /** With a recorder: every Kubernetes Event write fails with this error (else it succeeds). */
  readonly recordError?: Error;
  /** With CDEvents: which of the offered event ids the sink accepts. */
  readonly accept?: (ids: readonly string[]) => readonly string[];
  /** With CDEvents: which of the offered event ids the sink refuses for good (422). */
  readonly refuse?: (ids: readonly string[]) => readonly string[];
}

export const eventConfig = { source: '/kulta/test', environmentId: (ns: string) => `test/${ns}` };

function eventsDep(
  calls: Call[],
  accept: (ids: readonly string[]) => readonly string[],
  refuse: (ids: readonly string[]) => readonly string[] = () => [],
): StepDeps['events'] {
  const sink: EventSink = {
    deliver: (events) => {
      const ids = events.map((e) => e.context.id);
      calls.push({ port: 'deliver', ids });
      const delivered = accept(ids);
      const refusedIds = refuse(ids);
      const failed = ids.find((id) => !delivered.includes(id) && !refusedIds.includes(id));
      const refused = refusedIds.map((id) => ({ id, answer: 'HTTP 422 Unprocessable Entity' }));
      return Promise.resolve({
        delivered,
        refused,
        failed: failed ? [{ id: failed, error: '503', retryable: true, attempts: 3 }] : [],
        notAttempted: failed ? ids.slice(ids.indexOf(failed) + 1) : [],
      });
    },
  };
  return { sink, config: eventConfig };
}

export function fakes(options: FakeOptions): { deps: StepDeps; calls: Call[] } {
  const calls: Call[] = [];
  const rollouts: RolloutStore = {
    get: (ref) => {
      calls.push({ port: 'get', ref });
      return Promise.resolve(options.raw);
    },
    commitStatus: (ref, resourceVersion, status) => {
      calls.push({ port: 'commitStatus', ref, resourceVersion, status });
      return options.commitError ? Promise.reject(options.commitError) : Promise.resolve('101');
    },
    patchMetadata: (ref, change) => {
      if (change.finalizer) {
        const { action, current } = change.finalizer;
        calls.push({ port: 'finalizer', ref, action, current });
      }
      if (change.active !== undefined)
        calls.push({ port: 'setActive', ref, active: change.active });
      return Promise.resolve();
    },
    list: () => Promise.reject(new Error('a step never lists')),
  };
  const world: World = {
    observe: (ref, uid, spec) => {
      calls.push({ port: 'observe', ref, uid, spec });
      if (options.observeError) return Promise.reject(options.observeError);
      return Promise.resolve(options.observed ?? aWorld([]));
    },
    apply: (action, fence, spec) => {
      calls.push({ port: 'apply', action, fence, spec });
      return options.applyError ? Promise.reject(options.applyError) : Promise.resolve();
    },
  };
  const clock = { now: () => options.now ?? '2026-03-01T10:00:00.000Z' };
  const events = options.accept ? { events: eventsDep(calls, options.accept, options.refuse) } : {};
  const recorder: TransitionRecorder = {
    record: (_ref, note) => {
      calls.push({ port: 'record', event: note.event });
      return options.recordError ? Promise.reject(options.recordError) : Promise.resolve();
    },
  };
  const notes: StepNotes = {
    eventNotRecorded: (error, note) => {
      calls.push({ port: 'eventNotRecorded', event: note.event, error });
    },
  };
  const recording = options.recordError === undefined ? {} : { recorder, notes };
  return { deps: { clock, rollouts, world, ...events, ...recording }, calls };
}
