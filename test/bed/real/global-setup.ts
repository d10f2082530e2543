// Vitest global setup for the real lane (vitest.real.config.ts): reuse a running real bed, or
// start one and remove it again when the run ends; build the demo workload's image and import
// it into the node. Tests read `inject('kubeconfig' | 'gateway' | 'prometheus' | 'traefikApi' | 'demoImage')`.
import type { TestProject } from 'vitest/node';
import { buildBedImage } from '../images.ts';
import { startRealBed, stopRealBed } from './bed.ts';
import { importImage } from './node.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the real bed's Gateway listener. */
    gateway: string;
    /** Prometheus scraping the Gateway's per-backend metrics. */
    prometheus: string;
    /** Traefik's API (its loaded configuration), to wait until it took a route. */
    traefikApi: string;
    /** The demo workload's image, imported into the node (imagePullPolicy: Never). */
    demoImage: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = (line: string): void => {
    console.error(line);
  };
  const { state, reused } = await startRealBed(progress);
  try {
    const image = await buildBedImage('demo', progress);
    await importImage(state.real.ctr, state.real.containerdSocket, image.archive, progress);
    project.provide('kubeconfig', state.kubeconfig);
    project.provide('gateway', state.real.gateway);
    project.provide('prometheus', state.real.prometheus);
    project.provide('traefikApi', state.real.traefikApi);
    project.provide('demoImage', image.ref);
  } catch (error) {
    if (!reused) await stopRealBed(state.dir);
    throw error;
  }
  return async () => {
    if (!reused) await stopRealBed(state.dir);
  };
}
