// The event chaos of the reliability tests: stands between the local bridge (real watches, the
// real tick) and several reconcile instances, and delivers what a Knative Broker may deliver —
// duplicates, delays, reordering (stale copies of older events), bursts of concurrent deliveries
// for the same rollout, to any instance, redelivering on 5xx as the broker does. Seeded.
import type { Hono } from 'hono';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deliver } from '../../../functions/local/bridge.ts';
import { dueEventHeaders } from '../../../functions/tick/dispatch.ts';
import type { Random } from '../../support/faults/seeded.ts';

interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface ChaosSettings {
  /** Chance that an event is delivered more than once (2–4 copies). */
  readonly duplicateRate: number;
  /** Each copy waits 0..maxDelayMs before delivery (so copies and events overtake each other). */
  readonly maxDelayMs: number;
  /** Chance that an event also brings back an older event of the same object (stale). */
  readonly staleRate: number;
  /** Deliveries in one burst, [min, max]. */
  readonly burstSize: readonly [number, number];
  /** Redeliveries of an event answered 5xx (the Trigger's retry), with 200 ms·2^n backoff. */
  readonly retries: number;
}

export interface ChaosCounts {
  events: number;
  deliveries: number;
  duplicates: number;
  stale: number;
  bursts: number;
  burstDeliveries: number;
  redeliveries: number;
  maxInFlight: number;
  /** HTTP statuses the reconcile instances answered, e.g. { "202": 812 }. */
  statuses: Record<string, number>;
}

/** The namespace and name an event is about (ApiServerSource extensions, or a due event's body). */
function target(delivery: Delivery): { namespace: string; key: string } {
  const ns = delivery.headers['ce-namespace'];
  if (ns !== undefined) {
    const kind = delivery.headers['ce-kind'] ?? '';
    return { namespace: ns, key: `${kind}/${delivery.headers['ce-name'] ?? ''}` };
  }
  const ref = JSON.parse(delivery.body) as { namespace?: string; name?: string };
  return { namespace: ref.namespace ?? '', key: `due/${ref.name ?? ''}` };
}

export class ChaosRelay {
  readonly counts: ChaosCounts = {
    events: 0,
    deliveries: 0,
    duplicates: 0,
    stale: 0,
    bursts: 0,
    burstDeliveries: 0,
    redeliveries: 0,
    maxInFlight: 0,
    statuses: {},
  };
  readonly #random: Random;
  readonly #instances: readonly Hono[];
  readonly #namespace: string;
  readonly #settings: ChaosSettings;
  /** Past events per object, for stale copies. */
  readonly #history = new Map<string, Delivery[]>();
  readonly #inFlight = new Set<Promise<void>>();
  #open = true;

  constructor(
    random: Random,
    instances: readonly Hono[],
    namespace: string,
    settings: ChaosSettings,
  ) {
    this.#random = random;
    this.#instances = instances;
    this.#namespace = namespace;
    this.#settings = settings;
  }

  /** The bridge's Deliver: accepts at once (as the broker does), delivers later, chaotically. */
  readonly deliver: Deliver = (headers, body) => {
    const delivery = { headers, body };
    const { namespace, key } = target(delivery);
    // The bridge and tick see the whole shared test bed; only this test's objects take part.
    if (namespace !== this.#namespace || !this.#open) return Promise.resolve(202);
    this.counts.events += 1;
    const past = this.#history.get(key) ?? [];
    const copies = this.#random.chance(this.#settings.duplicateRate) ? this.#random.int(2, 4) : 1;
    this.counts.duplicates += copies - 1;
    for (let i = 0; i < copies; i += 1) this.#later(delivery);
    if (past.length > 0 && this.#random.chance(this.#settings.staleRate)) {
      this.counts.stale += 1;
      this.#later(this.#random.pick(past));
    }
    this.#history.set(key, [...past, delivery].slice(-8));
    return Promise.resolve(202);
  };

  /** Many deliveries for one rollout at the same instant: its latest and older events, due events. */
  burst(rollout: string): Promise<void> {
    const [min, max] = this.#settings.burstSize;
    const size = this.#random.int(min, max);
    const known = [...this.#history]
      .filter(([key]) => key === `Rollout/${rollout}` || key.startsWith(`ReplicaSet/${rollout}-`))
      .flatMap(([, deliveries]) => deliveries);
    const ref = { namespace: this.#namespace, name: rollout };
    const due = (i: number): Delivery => ({
      headers: dueEventHeaders(ref, `burst-${String(this.counts.bursts)}-${String(i)}`),
      body: JSON.stringify(ref),
    });
    this.counts.bursts += 1;
    this.counts.burstDeliveries += size;
    const all = Array.from({ length: size }, (_, i) =>
      known.length > 0 && this.#random.chance(0.7) ? this.#random.pick(known) : due(i),
    );
    return Promise.all(all.map((d) => this.#send(d))).then(() => undefined);
  }

  /** Stops taking new events and waits for every delivery under way. */
  async drain(): Promise<void> {
    this.#open = false;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #later(delivery: Delivery): void {
    const wait = this.#random.int(0, this.#settings.maxDelayMs);
    this.#track(sleep(wait).then(() => this.#send(delivery)));
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    this.counts.maxInFlight = Math.max(this.counts.maxInFlight, this.#inFlight.size);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #send(delivery: Delivery, attempt = 0): Promise<void> {
    const instance = this.#random.pick(this.#instances);
    this.counts.deliveries += 1;
    const response = await instance.request('/', {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
    await response.body?.cancel();
    const code = String(response.status);
    this.counts.statuses[code] = (this.counts.statuses[code] ?? 0) + 1;
    if (response.status >= 500 && attempt < this.#settings.retries) {
      this.counts.redeliveries += 1;
      await sleep(200 * 2 ** attempt);
      await this.#send(delivery, attempt + 1);
    }
  }
}
