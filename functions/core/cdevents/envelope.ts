// The parts every KULTA CDEvent shares: input checks, context (id, chain, links) and customData.
import type { ExperimentOutcome } from '../analysis/experiment.ts';
import { deriveEventId } from './ids.ts';
import { imagePurl } from './purl.ts';
import {
  CDEVENTS_SPEC_VERSION,
  CDEventInputError,
  type CDEvent,
  type CDEventType,
  type EmbeddedLink,
  type EnvironmentRef,
  type JsonPrimitive,
  type KultaCustomData,
  type RevisionRef,
  type RolloutEventInput,
  type RolloutRef,
} from './types.ts';

// RFC 3339 date-time (what the schemas' "format": "date-time" accepts).
const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

function requireText(field: string, value: string): void {
  if (value.trim() === '') throw new CDEventInputError(field, 'must not be empty');
}

/** Rejects input that would make an invalid or non-deterministic event. */
export function checkInput(input: Omit<RolloutEventInput, 'revision'>): void {
  requireText('rollout.namespace', input.rollout.namespace);
  requireText('rollout.name', input.rollout.name);
  requireText('rollout.uid', input.rollout.uid);
  requireText('source', input.source);
  requireText('environment.id', input.environment.id);
  requireText('chainId', input.chainId);
  if (!Number.isSafeInteger(input.counter) || input.counter < 0) {
    throw new CDEventInputError('counter', `must be a non-negative integer, got ${input.counter}`);
  }
  if (!RFC3339.test(input.timestamp)) {
    throw new CDEventInputError('timestamp', `must be RFC 3339, got "${input.timestamp}"`);
  }
}

/** subject.id of every service event: stable per Rollout, "<namespace>/<name>". */
export function serviceId(rollout: RolloutRef): string {
  return `${rollout.namespace}/${rollout.name}`;
}

/** The environment object as the schemas want it (no undefined members). */
export function environmentOf(environment: EnvironmentRef): EnvironmentRef {
  return environment.source === undefined
    ? { id: environment.id }
    : { id: environment.id, source: environment.source };
}

/** The artifactId of a revision: its image as canonical purl. */
export function artifactIdOf(revision: RevisionRef): string {
  return imagePurl(revision.image);
}

function linksOf(input: Omit<RolloutEventInput, 'revision'>, end: boolean): EmbeddedLink[] {
  const links: EmbeddedLink[] = [];
  const { previousEventId, triggerEventId } = input.links ?? {};
  if (triggerEventId !== undefined) {
    links.push({
      linkType: 'RELATION',
      linkKind: 'TRIGGER',
      target: { contextId: triggerEventId },
    });
  }
  if (previousEventId !== undefined) {
    links.push({ linkType: 'PATH', from: { contextId: previousEventId } });
  }
  if (end) links.push({ linkType: 'END' });
  return links;
}

function hasKeys(value: object | undefined): value is object {
  return value !== undefined && Object.keys(value).length > 0;
}

/** What one builder decides; the envelope adds everything common. */
export interface EventSpec<T extends CDEventType, C> {
  readonly type: T;
  readonly subjectId: string;
  readonly content: C;
  /** Distinguishes two events of the same type in one transition (part of the id). */
  readonly idKey?: string;
  /** The event closes the revision's chain (adds an END link). */
  readonly endsChain?: boolean;
  readonly details?: Readonly<Record<string, JsonPrimitive | undefined>>;
  readonly experiments?: readonly ExperimentOutcome[];
}

function customDataOf(
  input: Omit<RolloutEventInput, 'revision'> & { readonly revision?: RevisionRef },
  details: Readonly<Record<string, JsonPrimitive | undefined>> | undefined,
): KultaCustomData {
  const definedDetails = Object.fromEntries(
    Object.entries(details ?? {}).filter(([, v]) => v !== undefined),
  ) as Record<string, JsonPrimitive>;
  const { namespace, name, uid } = input.rollout;
  return {
    rollout: { namespace, name, uid },
    transition: input.counter,
    ...(input.revision === undefined
      ? {}
      : {
          revision: {
            podTemplateHash: input.revision.podTemplateHash,
            image: input.revision.image,
          },
        }),
    ...(hasKeys(input.sourceLinks) ? { sourceLinks: { ...input.sourceLinks } } : {}),
    ...(hasKeys(definedDetails) ? { details: definedDetails } : {}),
  };
}

/** Wraps a subject into a complete CDEvent with deterministic id, chain, links and customData. */
export function envelope<T extends CDEventType, C>(
  input: Omit<RolloutEventInput, 'revision'> & { readonly revision?: RevisionRef },
  spec: EventSpec<T, C>,
): CDEvent<T, C> {
  checkInput(input);
  const id = deriveEventId({
    rolloutUid: input.rollout.uid,
    counter: input.counter,
    type: spec.type,
    ...(spec.idKey === undefined ? {} : { key: spec.idKey }),
  });
  const links = linksOf(input, spec.endsChain ?? false);
  return {
    context: {
      specversion: CDEVENTS_SPEC_VERSION,
      id,
      source: input.source,
      type: spec.type,
      timestamp: input.timestamp,
      chainId: input.chainId,
      ...(links.length > 0 ? { links } : {}),
    },
    subject: { id: spec.subjectId, content: spec.content },
    customData: {
      ...customDataOf(input, spec.details),
      ...(spec.experiments?.length ? { experiments: spec.experiments } : {}),
    },
    customDataContentType: 'application/json',
  };
}
