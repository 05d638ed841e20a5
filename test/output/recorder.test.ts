import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { validateConfig } from '../../src/config/load.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import type { Frame } from '../../src/core/frame.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { Recorder } from '../../src/output/recorder.ts';
import { renderFile } from '../../src/pipeline/render.ts';

const run = promisify(execFile);
const ffmpeg = findFfmpeg();
const dir = mkdtempSync(join(tmpdir(), 'stylecast-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const countFrames = async (path: string) => (await probeVideo(path, { countFrames: true })).frames;

describe('Recorder (real ffmpeg)', () => {
  it.each(['mkv', 'mp4'])(
    'kill -9 of the recording ffmpeg keeps the daemon running and leaves a playable .%s missing at most ~1 s',
    async (ext) => {
      const path = join(dir, `killed.${ext}`);
      const config = validateConfig({
        input: { source: 'test', width: 640, height: 360, fps: 30 },
        effect: { name: 'none' },
        record: { path },
      });
      const daemon = new Daemon({ config, log: silentLogger() });
      await daemon.start();
      try {
        const deadline = Date.now() + 20_000;
        while (daemon.stats().sinks[0].written < 75 && Date.now() < deadline) await sleep(50);
        const recorder = daemon.stats().sinks[0];
        const sinkPid = (
          (daemon as unknown as { scheduler: { sinks: Recorder[] } }).scheduler.sinks[0] as Recorder
        ).pid;
        const writtenAtKill = recorder.written;
        process.kill(sinkPid!, 'SIGKILL');
        const outBefore = daemon.stats().framesOut;
        await sleep(700);
        const after = daemon.stats();
        expect(after.framesOut).toBeGreaterThan(outBefore + 10); // the pipeline did not stop
        expect(after.sinks[0].state).toBe('failed');
        const frames = await countFrames(path);
        expect(writtenAtKill).toBeGreaterThan(60);
        expect(frames).toBeLessThanOrEqual(writtenAtKill);
        expect(frames).toBeGreaterThanOrEqual(writtenAtKill - 30 - 6); // <= 1 s lost (+ frames in the pipe)
      } finally {
        await daemon.stop();
      }
    },
  );

  it.each([
    ['webm', 'libvpx-vp9'],
    ['mov', 'prores'],
  ])('keeps alpha in .%s', async (ext, decoder) => {
    const path = join(dir, `alpha.${ext}`);
    const recorder = new Recorder({
      path,
      width: 64,
      height: 48,
      fps: 30,
      ffmpeg,
      log: silentLogger(),
      timing: 'constant',
    });
    await recorder.start();
    for (let i = 0; i < 10; i++) {
      const data = new Uint8Array(64 * 48 * 4);
      for (let p = 0; p < data.length; p += 4) data.set([200, 40, 40, 128], p);
      const frame: Frame = { width: 64, height: 48, data, pts: i / 30, seq: i, readAt: performance.now() };
      await recorder.waitWritable();
      expect(recorder.write(frame)).toBe(true);
    }
    await recorder.stop();
    expect(recorder.finishedCleanly).toBe(true);
    const decodeArgs = ext === 'webm' ? ['-c:v', decoder] : [];
    const { stdout } = await run(
      ffmpeg,
      ['-v', 'error', ...decodeArgs, '-i', path, '-frames:v', '1', '-pix_fmt', 'rgba', '-f', 'rawvideo', '-'],
      { encoding: 'buffer', maxBuffer: 1 << 20 },
    );
    const pixels = stdout as Buffer;
    expect(pixels.length).toBe(64 * 48 * 4);
    expect(Math.abs(pixels[3 + 4 * 100] - 128)).toBeLessThanOrEqual(3);
  });

  it('a hardware encoder that is not usable falls back to libx264', async () => {
    const path = join(dir, 'fallback.mkv');
    const recorder = new Recorder({
      path,
      width: 64,
      height: 48,
      fps: 30,
      ffmpeg,
      log: silentLogger(),
      encoder: 'h264_nvenc',
      timing: 'constant',
    });
    await recorder.start(); // nvenc: no GPU here, the probe encode fails
    const data = new Uint8Array(64 * 48 * 4).fill(90);
    for (let i = 0; i < 5; i++) {
      await recorder.waitWritable();
      recorder.write({ width: 64, height: 48, data, pts: i / 30, seq: i, readAt: performance.now() });
    }
    await recorder.stop();
    expect(recorder.activeEncoder).toBe('libx264');
    expect(await countFrames(path)).toBe(5);
  });

  it('render copies the audio of a file input', async () => {
    const input = join(dir, 'with-audio.mp4');
    await run(ffmpeg, [
      ...[
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x120:rate=25',
        '-f',
        'lavfi',
        '-i',
        'sine=f=440',
      ],
      ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', input],
    ]);
    const config = validateConfig({ effect: { name: 'none' } });
    for (const ext of ['mkv', 'mp4']) {
      const output = join(dir, `with-audio-out.${ext}`);
      const result = await renderFile({ input, output, config, log: silentLogger(), effectExplicit: true });
      const info = await probeVideo(output, { countFrames: true });
      expect(info.hasAudio).toBe(true);
      expect(info.frames).toBe(50);
      expect(result.frames).toBe(50);
    }
  });
});
