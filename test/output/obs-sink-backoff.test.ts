import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ObsSink } from '../../src/output/obs-sink.ts';
import { freePort } from '../helpers/obs.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nextTryOf = (sink: ObsSink) =>
  Number(/next try in ([\d.]+) s/.exec(sink.stats().detail ?? '')?.[1] ?? '0');

/**
 * `--output obs` without the OBS bridge: nothing tells the sink whether OBS runs, so each retry is an
 * ffmpeg spawn (each cost the frame path frames on 2 cores). Real ffmpeg against a port nobody listens
 * on (OBS closed), then a listener (OBS started).
 */
describe('OBS sink without the bridge, OBS closed', () => {
  it('retries at the normal cap at first, waits longer once refused for a while, and connects when OBS listens', async () => {
    const port = await freePort();
    const slate = { width: 64, height: 36 };
    const sink = new ObsSink({
      port,
      slate,
      backoff: { initialMs: 50, maxMs: 200, refusedAfterMs: 1000, refusedMaxMs: 1500 },
    });
    await sink.start();
    try {
      const waits: number[] = [];
      const started = performance.now();
      // Until the longer wait has shown for 3 s (each spawn takes longer on a loaded machine), at most 25 s.
      let longSince = 0;
      while (performance.now() - started < 25_000 && !(longSince && performance.now() - longSince > 3000)) {
        const wait = nextTryOf(sink);
        if (wait > 0 && wait !== waits.at(-1)) waits.push(wait);
        if (wait === 1.5) longSince ||= performance.now();
        await sleep(20);
      }
      console.log(`waits between ffmpeg spawns with OBS closed (s): ${waits.join(' ')}`);
      expect(waits[0]).toBeLessThanOrEqual(0.2); // the normal cap first: OBS may just be starting
      expect(waits.at(-1)).toBe(1.5); // then the longer wait, and it stays
      expect(Math.max(...waits)).toBe(1.5);
      expect(sink.stats().detail).toMatch(/last error: .*Connection refused/i);

      // OBS starts: a listener that reads what it is sent, as the Media Source does.
      const server = createServer((socket) => socket.resume());
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      try {
        await expect.poll(() => sink.stats().state, { timeout: 5000 }).toBe('running');
        expect(sink.stats().detail).not.toMatch(/next try/);
      } finally {
        await sink.stop();
        server.close();
      }
    } finally {
      await sink.stop();
    }
  });
});
