// The usual setup of an integration test file: a namespace of its own and the local runner (the
// same event path as on Knative), started before its tests and stopped after them.
import { afterAll, beforeAll } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../functions/local/runner.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { tempNamespace, testKube, type TestKube } from './kube.ts';

export interface RunnerFile {
  readonly kube: TestKube;
  /** The file's namespace (valid once its beforeAll ran). */
  readonly namespace: string;
  readonly runner: LocalRunner;
}

/** A local runner with the tests' timings: ticks every 0.5 s, resyncs every 5 s. */
export function startTestRunner(kube: TestKube): LocalRunner {
  return startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' }),
    tickSeconds: 0.5,
    resyncSeconds: 5,
  });
}

/** Registers the file's hooks: namespace `<prefix>-xxxxxx` and a runner, both removed after. */
export function useRunnerNamespace(prefix: string): RunnerFile {
  const kube = testKube();
  let ns: Awaited<ReturnType<typeof tempNamespace>> | undefined;
  let runner: LocalRunner | undefined;
  beforeAll(async () => {
    ns = await tempNamespace(kube, prefix);
    runner = startTestRunner(kube);
  });
  // Each piece on its own: a setup that failed halfway must not leave the other behind.
  afterAll(async () => {
    runner?.stop();
    await ns?.remove();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before the file's beforeAll ran`);
    return value;
  };
  return {
    kube,
    get namespace() {
      return ready(ns, 'the namespace').name;
    },
    get runner() {
      return ready(runner, 'the runner');
    },
  };
}
