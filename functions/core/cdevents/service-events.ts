// Builders for the standard CDEvents KULTA emits: service.*, incident.detected, testsuiterun.*.
import { artifactIdOf, envelope, environmentOf, serviceId } from './envelope.ts';
import {
  CDEVENT_TYPES,
  type CDEvent,
  type EnvironmentRef,
  type RevisionRef,
  type RolloutEventInput,
} from './types.ts';

export interface ServiceContent {
  readonly environment: EnvironmentRef;
  readonly artifactId: string;
}

export type ServiceDeployedEvent = CDEvent<typeof CDEVENT_TYPES.serviceDeployed, ServiceContent>;
export type ServiceUpgradedEvent = CDEvent<typeof CDEVENT_TYPES.serviceUpgraded, ServiceContent>;
export type ServiceRolledBackEvent = CDEvent<
  typeof CDEVENT_TYPES.serviceRolledBack,
  ServiceContent
>;
export type ServiceRemovedEvent = CDEvent<
  typeof CDEVENT_TYPES.serviceRemoved,
  { readonly environment: EnvironmentRef }
>;

function serviceContent(input: RolloutEventInput, revision: RevisionRef): ServiceContent {
  return { environment: environmentOf(input.environment), artifactId: artifactIdOf(revision) };
}

/** The first revision of a Rollout became stable (nothing ran before it). Ends the chain. */
export function serviceDeployed(input: RolloutEventInput): ServiceDeployedEvent {
  return envelope(input, {
    type: CDEVENT_TYPES.serviceDeployed,
    subjectId: serviceId(input.rollout),
    content: serviceContent(input, input.revision),
    endsChain: true,
  });
}

/** A new revision was fully promoted and is now stable. Ends the chain. */
export function serviceUpgraded(input: RolloutEventInput): ServiceUpgradedEvent {
  return envelope(input, {
    type: CDEVENT_TYPES.serviceUpgraded,
    subjectId: serviceId(input.rollout),
    content: serviceContent(input, input.revision),
    endsChain: true,
  });
}

export interface RollbackInput extends RolloutEventInput {
  /** The stable revision traffic went back to; its image is the artifactId (what now runs). */
  readonly rolledBackTo: RevisionRef;
  /** Why, e.g. "AnalysisFailed", "AbortedByUser", "ProgressDeadlineExceeded". */
  readonly reason: string;
  readonly message?: string;
}

/**
 * The rollout of `revision` was aborted and the service is back on `rolledBackTo`. The event
 * belongs to the aborted revision's chain (chainId, customData.revision) and ends it.
 */
export function serviceRolledBack(input: RollbackInput): ServiceRolledBackEvent {
  return envelope(input, {
    type: CDEVENT_TYPES.serviceRolledBack,
    subjectId: serviceId(input.rollout),
    content: serviceContent(input, input.rolledBackTo),
    endsChain: true,
    details: {
      reason: input.reason,
      message: input.message,
      rolledBackToPodTemplateHash: input.rolledBackTo.podTemplateHash,
      rolledBackToImage: input.rolledBackTo.image,
    },
  });
}

/** Input for service.removed: the last known revision is optional (a Rollout may never have run). */
export type RemovedInput = Omit<RolloutEventInput, 'revision'> & {
  readonly revision?: RevisionRef;
};

/** The Rollout was deleted, so the service is gone from the environment. Ends the chain. */
export function serviceRemoved(input: RemovedInput): ServiceRemovedEvent {
  return envelope(input, {
    type: CDEVENT_TYPES.serviceRemoved,
    subjectId: serviceId(input.rollout),
    content: { environment: environmentOf(input.environment) },
    endsChain: true,
  });
}

/** Why KULTA declares an incident. */
export type IncidentReason =
  /** An analysis measured a failure (verdict Failed). */
  | 'AnalysisFailed'
  /** An analysis could not measure (verdict Error, e.g. too many query errors). */
  | 'AnalysisError'
  /** The rollout made no progress within progressDeadlineSeconds. */
  | 'ProgressDeadlineExceeded';

export interface IncidentInput extends RolloutEventInput {
  readonly reason: IncidentReason;
  /** Short free text for people, e.g. "success-rate 0.91 < 0.99 (query …)". */
  readonly description: string;
  /** The AnalysisRun that failed, when there is one. */
  readonly analysisRunName?: string;
}

export interface IncidentContent {
  readonly description: string;
  readonly environment: EnvironmentRef;
  readonly service: { readonly id: string };
  readonly artifactId: string;
}

export type IncidentDetectedEvent = CDEvent<typeof CDEVENT_TYPES.incidentDetected, IncidentContent>;

/**
 * A problem with the new revision: analysis failure or progress deadline. subject.id names the
 * incident ("<namespace>/<rollout>/<podTemplateHash>/<counter>"); content.service.id is the
 * service events' subject.id, so consumers can join them.
 */
export function incidentDetected(input: IncidentInput): IncidentDetectedEvent {
  const { rollout, revision, counter } = input;
  return envelope(input, {
    type: CDEVENT_TYPES.incidentDetected,
    subjectId: `${serviceId(rollout)}/${revision.podTemplateHash}/${counter}`,
    content: {
      description: input.description,
      environment: environmentOf(input.environment),
      service: { id: serviceId(rollout) },
      artifactId: artifactIdOf(revision),
    },
    details: { reason: input.reason, analysisRunName: input.analysisRunName },
  });
}
