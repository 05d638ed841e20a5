import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectFrames, freeLoopbackPort, listenUrl } from '../../src/capture/frame-socket.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in for ffmpeg's listening output: starts listening after `delayMs`, sends `bytes`, closes. */
function sender(port: number, bytes: Uint8Array, delayMs: number): void {
  setTimeout(() => {
    const server = createServer((socket) => socket.end(bytes));
    servers.push(server);
    server.listen(port, '127.0.0.1');
  }, delayMs);
}

describe('frame socket (loopback TCP, one reused read buffer)', () => {
  it('keeps trying until the sender listens, then delivers every byte in order and ends', async () => {
    const port = await freeLoopbackPort();
    const bytes = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7) & 0xff);
    sender(port, bytes, 150);
    const received: Uint8Array[] = [];
    const connection = connectFrames(
      port,
      (chunk) => received.push(chunk.slice()),
      () => false,
    );
    await connection.ended;
    const all = Buffer.concat(received);
    expect(all.length).toBe(bytes.length);
    expect(all.equals(Buffer.from(bytes))).toBe(true);
    expect(received.length).toBeGreaterThan(1); // many reads, each copied out of the one buffer in time
  });

  it('gives up when the sender is gone before it ever listened', async () => {
    const port = await freeLoopbackPort();
    let gone = false;
    setTimeout(() => {
      gone = true;
    }, 100);
    const connection = connectFrames(
      port,
      () => {},
      () => gone,
    );
    await connection.ended;
    expect(gone).toBe(true);
  });

  it('names the port and how long ffmpeg waits for us in the URL it listens on', () => {
    expect(listenUrl(5000)).toBe('tcp://127.0.0.1:5000?listen=1&listen_timeout=10000');
    expect(listenUrl(5000, 500)).toBe('tcp://127.0.0.1:5000?listen=1&listen_timeout=500');
  });
});
