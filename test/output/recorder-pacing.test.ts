import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import { solidFrame } from '../../src/core/frame.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Recorder } from '../../src/output/recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-pacing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a live recording lasts as long as it ran, even with gaps in the frames (paced to the wall clock)', async () => {
  const path = join(dir, 'paced.mkv');
  const recorder = new Recorder({
    path,
    width: 160,
    height: 90,
    fps: 30,
    ffmpeg: findFfmpeg(),
    log: silentLogger(),
  });
  await recorder.start();
  const frame = solidFrame(160, 90, [200, 40, 40, 255]);
  const started = performance.now();
  // 3 s of frames at a ragged rate: bursts, a 600 ms stall, then frames faster than 30 fps.
  while (performance.now() - started < 3000) {
    const t = performance.now() - started;
    recorder.write(frame);
    await sleep(t > 1000 && t < 1600 ? 600 : t > 2000 ? 10 : 33);
  }
  const elapsed = (performance.now() - started) / 1000;
  await recorder.stop();
  expect(recorder.finishedCleanly).toBe(true);
  const info = await probeVideo(path, { countFrames: true });
  // constant 30 fps: the frame count says how much wall time the file covers
  expect(info.frames / 30).toBeGreaterThan(elapsed * 0.9);
  expect(info.frames / 30).toBeLessThan(elapsed * 1.1);
});
