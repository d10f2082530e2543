// Fakes of the dashboard's ports that record every call, and an app built on them.
import type { Hono } from 'hono';
import { createDashboardApp } from '../../functions/dashboard/app.ts';
import type {
  RolloutAction,
  RolloutOperator,
  RolloutReader,
  ViewJson,
} from '../../functions/dashboard/ports.ts';
import type { StreamTiming } from '../../functions/dashboard/stream.ts';
import type { RolloutRef } from '../../functions/ports.ts';
import { createLogger } from '../../functions/runtime/logger.ts';

export class FakeReader implements RolloutReader {
  readonly calls: (['list', string | undefined] | ['detail', RolloutRef])[] = [];
  /** Answers in order (an Error is thrown); the last one repeats. */
  answers: ViewJson[] = [[]];
  #next = 0;

  #answer(): Promise<ViewJson> {
    const answer = this.answers[Math.min(this.#next, this.answers.length - 1)];
    this.#next += 1;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  list(namespace: string | undefined): Promise<ViewJson> {
    this.calls.push(['list', namespace]);
    return this.#answer();
  }

  detail(ref: RolloutRef): Promise<ViewJson> {
    this.calls.push(['detail', ref]);
    return this.#answer();
  }
}

export class FakeOperator implements RolloutOperator {
  readonly calls: [RolloutRef, RolloutAction][] = [];
  failure: Error | undefined;

  act(ref: RolloutRef, action: RolloutAction): Promise<string> {
    this.calls.push([ref, action]);
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(`Rollout ${ref.namespace}/${ref.name} ${action}d`);
  }
}

export function fakeDashboard(stream: Partial<StreamTiming> = { intervalMs: 1 }): {
  app: Hono;
  reader: FakeReader;
  operator: FakeOperator;
} {
  const reader = new FakeReader();
  const operator = new FakeOperator();
  const app = createDashboardApp({
    reader,
    operator,
    logger: createLogger({ level: 'silent' }),
    stream,
  });
  return { app, reader, operator };
}

/** Reads server-sent events from a response until `count` arrived (or the stream ended). */
export async function readEvents(
  response: Response,
  count: number,
): Promise<{ event: string; data: string }[]> {
  const body = response.body;
  if (!body) throw new Error('the response has no body');
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: string }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string): string =>
        block
          .split('\n')
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join('\n');
      if (!block.startsWith(':')) events.push({ event: field('event'), data: field('data') });
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events.slice(0, count);
}
