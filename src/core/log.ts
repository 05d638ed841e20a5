import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger per daemon (passed down, never a global). Human-readable single lines on a terminal,
 * JSON when STYLECAST_LOG_JSON=1 (for log collectors). Secrets are redacted by key name.
 */
export function createLogger(
  options: { level?: string; json?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const json = options.json ?? process.env.STYLECAST_LOG_JSON === '1';
  const level = options.level ?? process.env.STYLECAST_LOG_LEVEL ?? 'info';
  const redact = {
    paths: ['password', '*.password', 'token', '*.token', 'obs.password', 'api.token'],
    censor: '[redacted]',
  };
  if (json) return pino({ level, redact }, (options.destination as pino.DestinationStream) ?? process.stderr);
  return pino(
    {
      level,
      redact,
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    lineStream(options.destination ?? process.stderr),
  );
}

/** Formats pino's JSON records as `level  message key=value …` lines without a worker thread. */
function lineStream(out: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(record: string) {
      try {
        const { level, msg, ...rest } = JSON.parse(record) as Record<string, unknown>;
        const extras = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(' ');
        out.write(`${String(level).padEnd(5)} ${msg ?? ''}${extras ? `  ${extras}` : ''}\n`);
      } catch {
        out.write(record);
      }
    },
  };
}

/** A logger that drops everything: for tests and library callers that pass none. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
