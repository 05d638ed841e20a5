import type { Duplex } from 'node:stream';

/**
 * Writes a raw HTTP answer on a socket no HTTP handler owns (a refused upgrade, a request Node could
 * not parse) and frees it. end() alone only half-closes it: Node's HTTP server allows half-open
 * sockets, so a peer that never closes would keep counting against maxConnections.
 */
export function answerAndClose(socket: Duplex, response: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(response, () => socket.destroy());
}
