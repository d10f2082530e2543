// Builders for KULTA's custom progress events: dev.cdeventsx.kulta-rollout.<predicate>.0.1.0.
//
// Custom events follow cdevents/spec v0.5.1 custom/README.md and custom/schema.json:
// - type `dev.cdeventsx.<tool>-<subject>.<predicate>.M.m.p`; the schema's pattern is
//   ^dev\.cdeventsx\.[a-zA-Z0-9]+-[a-zA-Z]+\.[a-zA-Z]+\.[0-9]\.[0-9]\.[0-9]$, so the predicate is
//   letters only: "stepstarted", not "step-started" (which the schema rejects);
// - the context is the standard one (specversion, id, source, type, timestamp, chainId, links);
// - subject is { id, source?, content: any object }; subject.id is the Rollout ("<ns>/<name>"),
//   the same service id the service.* events use;
// - no schemaUri: KULTA publishes no extra schema, and a schemaUri a consumer cannot fetch makes
//   the spec tell consumers to reject the event. The content shapes are the typed interfaces
//   below; customData is the same KultaCustomData every KULTA event carries.
import { artifactIdOf, envelope, environmentOf, serviceId } from './envelope.ts';
import {
  CDEVENT_TYPES,
  type CDEvent,
  type CDEventType,
  type EnvironmentRef,
  type RolloutEventInput,
} from './types.ts';

/** What every progress event's content carries, so a consumer needs no other event to read it. */
export interface ProgressContentBase {
  readonly environment: EnvironmentRef;
  readonly artifactId: string;
  readonly rollout: { readonly namespace: string; readonly name: string };
  readonly podTemplateHash: string;
}

export interface StepStartedContent extends ProgressContentBase {
  /** 0-based index into spec.strategy.<strategy>.steps, with the step count and its key. */
  readonly step: { readonly index: number; readonly count: number; readonly kind: string };
}

export interface WeightChangedContent extends ProgressContentBase {
  /** Route weights after the change (percent); previousCanary when known. */
  readonly weight: {
    readonly canary: number;
    readonly stable: number;
    readonly previousCanary?: number;
  };
}

export interface PausedContent extends ProgressContentBase {
  /** e.g. "CanaryPauseStep", "BlueGreenPause", "Inconclusive", "PausedByUser"; until = RFC 3339. */
  readonly pause: { readonly reason: string; readonly until?: string };
}

export interface ResumedContent extends ProgressContentBase {
  /** e.g. "PauseDurationElapsed", "PromotedByUser", "UnpausedByUser". */
  readonly resume: { readonly reason: string };
}

export interface PromotedContent extends ProgressContentBase {
  /** full: promote --full (skip remaining steps) rather than the next step. */
  readonly promotion: { readonly full: boolean };
}

export interface AbortedContent extends ProgressContentBase {
  readonly abort: { readonly reason: string; readonly message?: string };
}

type T = typeof CDEVENT_TYPES;
export type RolloutStepStartedEvent = CDEvent<T['rolloutStepStarted'], StepStartedContent>;
export type RolloutWeightChangedEvent = CDEvent<T['rolloutWeightChanged'], WeightChangedContent>;
export type RolloutPausedEvent = CDEvent<T['rolloutPaused'], PausedContent>;
export type RolloutResumedEvent = CDEvent<T['rolloutResumed'], ResumedContent>;
export type RolloutPromotedEvent = CDEvent<T['rolloutPromoted'], PromotedContent>;
export type RolloutAbortedEvent = CDEvent<T['rolloutAborted'], AbortedContent>;

function base(input: RolloutEventInput): ProgressContentBase {
  return {
    environment: environmentOf(input.environment),
    artifactId: artifactIdOf(input.revision),
    rollout: { namespace: input.rollout.namespace, name: input.rollout.name },
    podTemplateHash: input.revision.podTemplateHash,
  };
}

function progress<Ty extends CDEventType, C extends ProgressContentBase>(
  input: RolloutEventInput,
  type: Ty,
  content: C,
): CDEvent<Ty, C> {
  return envelope(input, { type, subjectId: serviceId(input.rollout), content });
}

/** The rollout entered step `index` of `count`; kind is the step's key (setWeight, pause, …). */
export function rolloutStepStarted(
  input: RolloutEventInput & { readonly step: StepStartedContent['step'] },
): RolloutStepStartedEvent {
  const step = { index: input.step.index, count: input.step.count, kind: input.step.kind };
  return progress(input, CDEVENT_TYPES.rolloutStepStarted, { ...base(input), step });
}

/** The route now sends `canary` percent to the new revision and `stable` to the old one. */
export function rolloutWeightChanged(
  input: RolloutEventInput & { readonly weight: WeightChangedContent['weight'] },
): RolloutWeightChangedEvent {
  const { canary, stable, previousCanary } = input.weight;
  const weight =
    previousCanary === undefined ? { canary, stable } : { canary, stable, previousCanary };
  return progress(input, CDEVENT_TYPES.rolloutWeightChanged, { ...base(input), weight });
}

/** The rollout paused (a pause step, an inconclusive analysis, or a person). */
export function rolloutPaused(
  input: RolloutEventInput & { readonly pause: PausedContent['pause'] },
): RolloutPausedEvent {
  const { reason, until } = input.pause;
  const pause = until === undefined ? { reason } : { reason, until };
  return progress(input, CDEVENT_TYPES.rolloutPaused, { ...base(input), pause });
}

/** The rollout continued after a pause. */
export function rolloutResumed(
  input: RolloutEventInput & { readonly resume: ResumedContent['resume'] },
): RolloutResumedEvent {
  const resume = { reason: input.resume.reason };
  return progress(input, CDEVENT_TYPES.rolloutResumed, { ...base(input), resume });
}

/** A person promoted the rollout (next step, or fully). */
export function rolloutPromoted(
  input: RolloutEventInput & { readonly promotion: PromotedContent['promotion'] },
): RolloutPromotedEvent {
  const promotion = { full: input.promotion.full };
  return progress(input, CDEVENT_TYPES.rolloutPromoted, { ...base(input), promotion });
}

/** The rollout was aborted: traffic goes back to stable (service.rolledback follows when done). */
export function rolloutAborted(
  input: RolloutEventInput & { readonly abort: AbortedContent['abort'] },
): RolloutAbortedEvent {
  const { reason, message } = input.abort;
  const abort = message === undefined ? { reason } : { reason, message };
  return progress(input, CDEVENT_TYPES.rolloutAborted, { ...base(input), abort });
}
