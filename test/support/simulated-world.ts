// An in-memory world for planner tests: applies actions the way the Kubernetes adapter does,
// and (by default) makes pods available at once, so a rollout can be walked step by step.
import type { Action } from '../../functions/core/actions.ts';
import type {
  Observed,
  ObservedAnalysisRun,
  ObservedReplicaSet,
} from '../../functions/core/observed.ts';
import { templateImage } from '../../functions/core/events.ts';
import {
  type HeaderRecord,
  observeHeaderRules,
  withHeaderRules,
} from '../../functions/core/header-rules.ts';
import type { CDEvent } from '../../functions/core/cdevents/index.ts';
import type { EventConfig } from '../../functions/core/events.ts';
import { plan, type Plan } from '../../functions/core/plan.ts';
import { podTemplateHash } from '../../functions/core/rollout/hash.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';

const simBackends = { stableService: 'web-stable', canaryService: 'web-canary' };

export class SimulatedWorld {
  replicaSets: ObservedReplicaSet[] = [];
  services = new Map<string, string | undefined>([
    ['web-stable', undefined],
    ['web-canary', undefined],
  ]);
  route = { stable: 100, canary: 0 };
  /** Services the test removed (they exist unless listed here). */
  readonly missingServices = new Set<string>();
  routeExists = true;
  /** When false, new pods never become available (a canary that does not start). */
  podsBecomeAvailable = true;
  readonly applied: Action[] = [];
  /** Pods older than spec.restartAt (the test sets it when it asks for a restart). */
  podsToRestart: number | undefined;
  restarted = 0;
  /** AnalysisRuns the planner asked for; tests set their phase as a measurement would. */
  analysisRuns: ObservedAnalysisRun[] = [];
  /** The route's rules as header edits see them (one split rule; weights live in `route`). */
  routeRules: JsonObject = {
    spec: {
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { name: 'web-stable', port: 80 },
            { name: 'web-canary', port: 80 },
          ],
        },
      ],
    },
  };
  headerRecord: HeaderRecord = { rules: [], routes: [] };
  /** The route's value of the in-progress label (undefined: not labelled). */
  routeLabel: string | undefined;

  observed(): Observed {
    return {
      replicaSets: this.replicaSets.map((rs) => ({ ...rs })),
      services: [...this.services].map(([name, hash]) =>
        this.missingServices.has(name)
          ? { name, exists: false, podTemplateHash: undefined }
          : { name, exists: true, podTemplateHash: hash },
      ),
      ...(this.podsToRestart === undefined ? {} : { podsToRestart: this.podsToRestart }),
      analysisRuns: [...this.analysisRuns],
      routes: [
        {
          namespace: 'shop',
          name: 'web-route',
          exists: this.routeExists,
          hasStable: this.routeExists,
          hasCanary: this.routeExists,
          stableWeight: this.routeExists ? this.route.stable : undefined,
          canaryWeight: this.routeExists ? this.route.canary : undefined,
          consistent: true,
          headerRoutes: observeHeaderRules(this.routeRules, simBackends, this.headerRecord),
          ...(this.routeLabel === undefined ? {} : { inProgressLabel: this.routeLabel }),
        },
      ],
    };
  }

  apply(action: Action): void {
    this.applied.push(action);
    switch (action.kind) {
      case 'createReplicaSet':
        this.replicaSets.push(
          this.#withPods({
            name: action.name,
            podTemplateHash: action.podTemplateHash,
            revision: action.revision,
            replicas: action.replicas,
            currentReplicas: 0,
            readyReplicas: 0,
            availableReplicas: 0,
            createdAt: '2026-01-01T00:00:00.000Z',
            image: templateImage(action.template),
            podMetadata: templateMetadataOf(action.template),
          }),
        );
        return;
      case 'scaleReplicaSet':
        this.replicaSets = this.replicaSets.map((rs) =>
          rs.name === action.name
            ? this.#withPods({ ...rs, replicas: action.replicas, revision: action.revision })
            : rs,
        );
        return;
      case 'deleteReplicaSet':
        this.replicaSets = this.replicaSets.filter((rs) => rs.name !== action.name);
        return;
      case 'setServiceSelector':
        this.#setService(action.service, action.podTemplateHash);
        return;
      case 'setPodMetadata':
        this.replicaSets = this.replicaSets.map((rs) =>
          rs.name === action.name
            ? { ...rs, podMetadata: { labels: action.labels, annotations: action.annotations } }
            : rs,
        );
        return;
      case 'createAnalysisRun':
        this.analysisRuns.push({
          name: action.name,
          phase: 'Running',
          message: '',
          terminated: false,
        });
        return;
      case 'terminateAnalysisRun':
        this.analysisRuns = this.analysisRuns.map((r) =>
          r.name === action.name ? { ...r, terminated: true } : r,
        );
        return;
      case 'restartPods':
        this.restarted += action.count;
        this.podsToRestart = Math.max(0, (this.podsToRestart ?? 0) - action.count);
        this.replicaSets = this.replicaSets.map((rs) => ({
          ...rs,
          availableReplicas: rs.availableReplicas - Math.min(action.count, rs.availableReplicas),
        }));
        return;
      case 'setRouteWeights':
      case 'setHeaderRoutes':
        this.#applyToRoute(action);
        return;
    }
  }

  #setService(name: string, hash: string): void {
    if (!this.missingServices.has(name)) this.services.set(name, hash);
  }

  /** Weights; or, as the adapter does, KULTA's header rules edited by the core with a record. */
  #applyToRoute(action: Extract<Action, { kind: 'setRouteWeights' | 'setHeaderRoutes' }>): void {
    if (action.kind === 'setRouteWeights') {
      if (!this.routeExists) return;
      this.route = { stable: action.stableWeight, canary: action.canaryWeight };
      const label = action.inProgressLabel;
      if (label) this.routeLabel = label.present ? label.value : undefined;
      return;
    }
    const owned = this.headerRecord.rules;
    const edit = withHeaderRules(this.routeRules, simBackends, action.routes, owned);
    if (!this.routeExists || !edit.ok) return;
    this.routeRules = edit.route;
    this.headerRecord = { rules: edit.owned, routes: action.routes };
  }

  /** New pods exist at once but become available only at the next step, as real pods do. */
  #withPods(rs: ObservedReplicaSet): ObservedReplicaSet {
    const up = Math.min(rs.availableReplicas, rs.replicas);
    return { ...rs, currentReplicas: rs.replicas, readyReplicas: up, availableReplicas: up };
  }

  /** Time passes between steps: pods that exist become available (unless told otherwise). */
  ripen(): void {
    if (!this.podsBecomeAvailable) return;
    this.replicaSets = this.replicaSets.map((rs) => ({
      ...rs,
      readyReplicas: rs.replicas,
      availableReplicas: rs.replicas,
    }));
  }

  replicasOf(hash: string | undefined): number {
    return this.replicaSets.find((rs) => rs.podTemplateHash === hash)?.replicas ?? 0;
  }
}

/** A Rollout object and a world, stepped through the pure planner with a moving clock. */
export class Simulation {
  object: JsonObject;
  readonly world = new SimulatedWorld();
  clock = Date.parse('2026-03-01T10:00:00.000Z');
  /** With an event config, steps record CDEvents; a sink that is up takes the outbox. */
  readonly events: EventConfig | undefined;
  readonly sent: CDEvent[] = [];
  sinkUp = true;

  constructor(object: JsonObject, events?: EventConfig) {
    this.object = object;
    this.events = events;
  }

  get status(): RolloutStatus {
    return (this.object.status ?? {}) as RolloutStatus;
  }

  now(): string {
    return new Date(this.clock).toISOString();
  }

  advance(seconds: number): void {
    this.clock += seconds * 1000;
  }

  /** One reconcile step: plan, commit the status, apply the actions, deliver the outbox. */
  step(): Plan {
    this.world.ripen();
    const p = plan({
      rollout: parseRollout(this.object),
      observed: this.world.observed(),
      now: this.now(),
      ...(this.events ? { events: this.events } : {}),
    });
    if (p.statusChanged) this.object = { ...this.object, status: p.nextStatus as JsonObject };
    for (const action of p.actions) this.world.apply(action);
    const outbox = this.status.outbox ?? [];
    if (this.sinkUp && outbox.length > 0) {
      this.sent.push(...outbox);
      this.patchStatus({ outbox: undefined });
    }
    return p;
  }

  /** Steps until a step changes nothing (the level is reached); returns the events seen. */
  settle(limit = 50): string[] {
    const events: string[] = [];
    for (let i = 0; i < limit; i += 1) {
      const p = this.step();
      if (p.event) events.push(p.event);
      if (!p.statusChanged && p.actions.length === 0) return events;
      this.advance(1);
    }
    throw new Error(`no steady state after ${String(limit)} steps; events: ${events.join(', ')}`);
  }

  setSpec(patch: (spec: JsonObject) => JsonObject): void {
    const spec = patch(this.object.spec as JsonObject);
    const metadata = this.object.metadata as JsonObject;
    this.object = {
      ...this.object,
      spec,
      metadata: { ...metadata, generation: Number(metadata.generation) + 1 },
    };
  }

  setImage(image: string): void {
    this.setSpec((spec) => {
      const template = spec.template as JsonObject;
      const podSpec = template.spec as JsonObject;
      const [container] = podSpec.containers as JsonObject[];
      return {
        ...spec,
        template: { ...template, spec: { ...podSpec, containers: [{ ...container, image }] } },
      };
    });
  }

  patchStatus(patch: Partial<RolloutStatus>): void {
    this.object = { ...this.object, status: { ...this.status, ...patch } as JsonObject };
  }
}

/** The pod-template hash of a Rollout object's template. */
export function hashOf(object: JsonObject): string {
  return podTemplateHash((object.spec as JsonObject).template ?? null);
}

/** A simulation of `object` whose first revision is deployed and settled. */
export function deployedSimulation(object: JsonObject): Simulation {
  const sim = new Simulation(object);
  sim.settle();
  return sim;
}

function templateMetadataOf(template: JsonObject): ObservedReplicaSet['podMetadata'] {
  const metadata = (template.metadata ?? {}) as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  return { labels: { ...metadata.labels }, annotations: { ...metadata.annotations } };
}

/** Where the planner tests' CDEvents say they come from. */
export const testEvents: EventConfig = {
  source: '/kulta/test',
  environmentId: (ns) => `test/${ns}`,
};

/** A simulation that records CDEvents, with the analysis verdicts and the story tests assert. */
export class StorySimulation extends Simulation {
  constructor(object: JsonObject, events: EventConfig = testEvents) {
    super(object, events);
  }

  /** Every AnalysisRun still measuring reaches `phase`, as its measurements would decide. */
  finish(phase: string, message = ''): void {
    this.world.analysisRuns = this.world.analysisRuns.map((r) =>
      r.terminated ? r : { ...r, phase, message },
    );
  }

  /** The types of the CDEvents sent so far, short: "service.upgraded", "weightchanged". */
  story(): string[] {
    return this.sent.map((e) =>
      e.context.type
        .replace(/^dev\.cdevents(x\.kulta-rollout)?\./, '')
        .replace(/\.\d+\.\d+\.\d+$/, ''),
    );
  }
}
