import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';

/** A logger that keeps its info/warn/error lines ("warn text …") for a test to read. */
export function linesLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = silentLogger();
  for (const level of ['info', 'warn', 'error'] as const)
    (log as unknown as Record<string, (m: string) => void>)[level] = (message: string) =>
      lines.push(`${level} ${message}`);
  return { log, lines };
}
