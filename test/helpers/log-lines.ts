import { PassThrough } from 'node:stream';
import type { Logger } from '../../src/core/log.ts';
import { createLogger, silentLogger } from '../../src/core/log.ts';

/** A logger that keeps its info/warn/error lines ("warn text …") for a test to read. */
export function linesLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = silentLogger();
  for (const level of ['info', 'warn', 'error'] as const)
    (log as unknown as Record<string, (m: string) => void>)[level] = (message: string) =>
      lines.push(`${level} ${message}`);
  return { log, lines };
}

/** The real text logger (level words, the daemon's format) writing into lines a test reads. */
export function textLogger(): { log: Logger; lines: () => string[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk));
  return {
    log: createLogger({ json: false, destination: out }),
    lines: () => text.split('\n').filter(Boolean),
  };
}
