// Types of the CDEvents KULTA emits (spec v0.5.1) and of the neutral input its builders take.
import type { ExperimentOutcome } from '../analysis/experiment.ts';
import type { SourceLinks } from './source-links.ts';

/** The CDEvents specification version every event declares (context.specversion). */
export const CDEVENTS_SPEC_VERSION = '0.5.1';

/** Every event type KULTA emits. Standard types are at 0.3.0 in spec 0.5.1; custom ones at 0.1.0. */
export const CDEVENT_TYPES = {
  serviceDeployed: 'dev.cdevents.service.deployed.0.3.0',
  serviceUpgraded: 'dev.cdevents.service.upgraded.0.3.0',
  serviceRolledBack: 'dev.cdevents.service.rolledback.0.3.0',
  serviceRemoved: 'dev.cdevents.service.removed.0.3.0',
  incidentDetected: 'dev.cdevents.incident.detected.0.3.0',
  testSuiteRunStarted: 'dev.cdevents.testsuiterun.started.0.3.0',
  testSuiteRunFinished: 'dev.cdevents.testsuiterun.finished.0.3.0',
  rolloutStepStarted: 'dev.cdeventsx.kulta-rollout.stepstarted.0.1.0',
  rolloutWeightChanged: 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0',
  rolloutPaused: 'dev.cdeventsx.kulta-rollout.paused.0.1.0',
  rolloutResumed: 'dev.cdeventsx.kulta-rollout.resumed.0.1.0',
  rolloutPromoted: 'dev.cdeventsx.kulta-rollout.promoted.0.1.0',
  rolloutAborted: 'dev.cdeventsx.kulta-rollout.aborted.0.1.0',
} as const;

/** Any event type KULTA emits. */
export type CDEventType = (typeof CDEVENT_TYPES)[keyof typeof CDEVENT_TYPES];

/** The Rollout an event is about. */
export interface RolloutRef {
  readonly namespace: string;
  readonly name: string;
  /** metadata.uid: survives renames of nothing, differs after delete+recreate. */
  readonly uid: string;
}

/** CDEvents environment reference: stable per cluster + namespace, chosen by the caller. */
export interface EnvironmentRef {
  readonly id: string;
  readonly source?: string;
}

/** One revision of the Rollout's pod template. */
export interface RevisionRef {
  /** The rollouts-pod-template-hash of the revision. */
  readonly podTemplateHash: string;
  /** The image of the revision's primary container; becomes the artifactId purl. */
  readonly image: string;
}

/** Ids of other CDEvents this event relates to (CDEvents 0.5 embedded links point at event ids). */
export interface EventLinkIds {
  /** The previous event of the same chain: a PATH link `from` it. */
  readonly previousEventId?: string;
  /** The CDEvent that triggered this rollout (e.g. an artifact.published): a TRIGGER relation. */
  readonly triggerEventId?: string;
}

/** What every builder needs. Time and ids come in as data; nothing is read from a clock. */
export interface RolloutEventInput {
  readonly rollout: RolloutRef;
  /** The Rollout's monotonic transition counter for the transition that causes the event. */
  readonly counter: number;
  /** RFC 3339 time of the transition; fixed when the event is created, kept on resend. */
  readonly timestamp: string;
  /** CDEvent context.source and CloudEvent source, e.g. "/kulta/prod-eu-1". */
  readonly source: string;
  readonly environment: EnvironmentRef;
  readonly revision: RevisionRef;
  /** Shared by every event of one revision's rollout; see deriveChainId. */
  readonly chainId: string;
  readonly sourceLinks?: SourceLinks;
  readonly links?: EventLinkIds;
}

/** An embedded link in context.links (schemas/links/embeddedlink*.json). */
export type EmbeddedLink =
  | { readonly linkType: 'PATH'; readonly from: { readonly contextId: string } }
  | {
      readonly linkType: 'RELATION';
      readonly linkKind: string;
      readonly target: { readonly contextId: string };
    }
  | { readonly linkType: 'END'; readonly from?: { readonly contextId: string } };

export interface CDEventContext<T extends CDEventType = CDEventType> {
  readonly specversion: typeof CDEVENTS_SPEC_VERSION;
  readonly id: string;
  readonly source: string;
  readonly type: T;
  readonly timestamp: string;
  readonly chainId: string;
  readonly links?: readonly EmbeddedLink[];
}

export type JsonPrimitive = string | number | boolean;

/** customData of every KULTA event: what a consumer needs to tie it back to the Rollout. */
export interface KultaCustomData {
  readonly rollout: RolloutRef;
  /** The transition counter the event belongs to. */
  readonly transition: number;
  readonly revision?: RevisionRef;
  readonly sourceLinks?: SourceLinks;
  /** Event-specific facts (reason, verdict, …) that the standard subject has no field for. */
  readonly details?: Readonly<Record<string, JsonPrimitive>>;
  /** testsuiterun.finished of a judged analysis: each metric's effect size and confidence. */
  readonly experiments?: readonly ExperimentOutcome[];
}

/** A CDEvent as KULTA builds it: plain JSON. */
export interface CDEvent<T extends CDEventType = CDEventType, C = unknown> {
  readonly context: CDEventContext<T>;
  readonly subject: { readonly id: string; readonly source?: string; readonly content: C };
  readonly customData: KultaCustomData;
  readonly customDataContentType: 'application/json';
}

/** The input is unusable (empty ids, a non-RFC 3339 timestamp, a negative counter…). */
export class CDEventInputError extends Error {
  override readonly name = 'CDEventInputError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
