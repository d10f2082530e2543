// The CDEvents outbox after a delivery (pure): what the sink accepted leaves it, what the sink
// refused for good moves to the dead letters with its answer, the rest waits in order; and the
// conditions that tell a person about a full outbox and refused events.
import { ConditionType, removeCondition, setCondition } from './conditions.ts';
import { outboxLimit, type EventConfig } from './events.ts';
import type { DeadLetter, RolloutStatus } from './rollout/types.ts';

/** How many refused CDEvents status.deadLetters keeps (the newest). */
export const deadLetterLimit = 10;

export interface DeliveryResult {
  readonly delivered: readonly string[];
  readonly refused: readonly { readonly id: string; readonly answer: string }[];
}

/** The status once `result` is known: accepted events gone, refused ones dead-lettered. */
export function settleOutbox(
  status: RolloutStatus,
  result: DeliveryResult,
  now: string,
): RolloutStatus {
  const outbox = status.outbox ?? [];
  const sent = new Set(result.delivered);
  const answers = new Map(result.refused.map((r) => [r.id, r.answer]));
  const refused: DeadLetter[] = outbox.flatMap((event) => {
    const answer = answers.get(event.context.id);
    return answer === undefined ? [] : [{ event, answer, refusedAt: now }];
  });
  const rest = outbox.filter((e) => !sent.has(e.context.id) && !answers.has(e.context.id));
  const deadLetters = [...(status.deadLetters ?? []), ...refused].slice(-deadLetterLimit);
  return deadLetterCondition(
    {
      ...status,
      outbox: rest.length > 0 ? rest : undefined,
      deadLetters: deadLetters.length > 0 ? deadLetters : undefined,
    },
    now,
  );
}

/** CDEventsRefused=True while status.deadLetters holds events; cleared with them. */
export function deadLetterCondition(status: RolloutStatus, now: string): RolloutStatus {
  const letters = status.deadLetters ?? [];
  const newest = letters.at(-1);
  if (!newest) {
    return {
      ...status,
      conditions: removeCondition(status.conditions, ConditionType.CDEventsRefused),
    };
  }
  const { type, id } = newest.event.context;
  const conditions = setCondition(
    status.conditions,
    {
      type: ConditionType.CDEventsRefused,
      status: true,
      reason: 'SinkRefusedEvent',
      message: `${String(letters.length)} CDEvent(s) refused by the event sink are kept in status.deadLetters; newest ${type} ${id}: ${newest.answer}. Delivery goes on; clear status.deadLetters once handled`,
    },
    now,
  );
  return { ...status, conditions };
}

/** Ordinary progress waits while the outbox is full (only with a sink configured). */
export function outboxFull(status: RolloutStatus, events: EventConfig | undefined): boolean {
  return events !== undefined && (status.outbox ?? []).length >= outboxLimit;
}

export function outboxCondition(
  status: RolloutStatus,
  events: EventConfig | undefined,
  now: string,
): RolloutStatus {
  if (!outboxFull(status, events)) {
    const conditions = removeCondition(status.conditions, ConditionType.OutboxFull);
    return { ...status, conditions };
  }
  const conditions = setCondition(
    status.conditions,
    {
      type: ConditionType.OutboxFull,
      status: true,
      reason: 'SinkNotAccepting',
      message: `${String((status.outbox ?? []).length)} CDEvents wait for the event sink (K_SINK); the rollout moves on once they are delivered (aborts never wait)`,
    },
    now,
  );
  return { ...status, conditions };
}
