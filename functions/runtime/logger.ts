// The functions' logger: pino, JSON lines; bind { rollout, generation, ceId } per step.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const level = options.level ?? process.env.KULTA_LOG_LEVEL ?? 'info';
  return options.destination ? pino({ level }, options.destination) : pino({ level });
}
