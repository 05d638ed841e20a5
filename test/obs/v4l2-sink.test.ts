import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isStylecastError } from '../../src/core/errors.ts';
import { solidFrame } from '../../src/core/frame.ts';
import { V4l2Sink, v4l2LoopbackDevices } from '../../src/output/v4l2-sink.ts';

const loopbacks = v4l2LoopbackDevices();
if (loopbacks.length === 0) {
  console.warn(
    'v4l2 sink: no v4l2loopback device here (sudo modprobe v4l2loopback) — the round trip through a device is skipped; the error paths still run',
  );
}

describe('v4l2 virtual camera sink', () => {
  it('a missing device is a one-line error with the modprobe hint', async () => {
    const sink = new V4l2Sink({ device: '/dev/video-stylecast-missing' });
    const error = await sink.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStylecastError(error)).toBe(true);
    expect((error as Error).message).toBe('/dev/video-stylecast-missing does not exist');
    expect((error as { hint?: string }).hint).toMatch(/modprobe v4l2loopback/);
  });

  it('a device that is not a v4l2loopback device is refused', async () => {
    const sink = new V4l2Sink({ device: '/dev/null' });
    await expect(sink.start()).rejects.toThrow(/\/dev\/null is not a v4l2loopback device/);
  });

  it.skipIf(loopbacks.length === 0)('frames written to the loopback device can be read back', async () => {
    const device = loopbacks[0];
    const sink = new V4l2Sink({ device });
    await sink.start();
    const pump = setInterval(() => sink.write(solidFrame(320, 240, [255, 0, 0, 255])), 33);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const out = execFileSync(
        'ffmpeg',
        [
          '-v',
          'error',
          '-f',
          'v4l2',
          '-i',
          device,
          '-frames:v',
          '1',
          '-f',
          'rawvideo',
          '-pix_fmt',
          'rgb24',
          '-',
        ],
        { timeout: 10_000 },
      );
      expect(out.length).toBe(320 * 240 * 3);
      expect(out[0]).toBeGreaterThan(200);
    } finally {
      clearInterval(pump);
      await sink.stop();
    }
    expect(sink.stats().written).toBeGreaterThan(10);
  });
});
