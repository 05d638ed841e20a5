import { createServer } from 'node:net';
import { StylecastError } from '../../core/errors.ts';

/** Why the API cannot listen, as the one-line user error `run` prints. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): StylecastError {
  return error.code === 'EADDRINUSE'
    ? new StylecastError(
        'PORT_IN_USE',
        `port ${port} on ${host} is in use`,
        'set api.port or stop the other program',
      )
    : new StylecastError(
        'BAD_CONFIG',
        `cannot listen on ${host}:${port}: ${error.message}`,
        'check api.host',
      );
}

/**
 * Binds host:port for a moment and lets it go: throws the same error the server would. `run` asks
 * before the daemon starts, so a port in use stops it before a recording (--record) has begun,
 * rather than leaving a one-frame file behind. Port 0 (any free port) always works.
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    probe.listen({ port, host, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
