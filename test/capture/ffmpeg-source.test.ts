import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCaptureArgs } from '../../src/capture/ffmpeg-args.ts';
import { FfmpegSource } from '../../src/capture/ffmpeg-source.ts';
import { connectFrames, freeLoopbackPort } from '../../src/capture/frame-socket.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import type { Frame } from '../../src/core/frame.ts';
import { type Logger, silentLogger } from '../../src/core/log.ts';

const ffmpeg = findFfmpeg();
const sources: FfmpegSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function testPattern(
  width: number,
  height: number,
  fps: number,
  transport: 'socket' | 'pipe' = 'socket',
): FfmpegSource {
  const source = new FfmpegSource({
    transport,
    spec: { kind: 'test' },
    ffmpeg,
    log: silentLogger(),
    width,
    height,
    fps,
    realtime: true,
    loop: false,
    constantRate: true,
    platform: 'linux',
    timestamps: 'wallclock',
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  sources.push(source);
  return source;
}

/** ffmpeg's own per-frame md5 of the same capture command, run offline: the ground truth. */
async function referenceHashes(
  width: number,
  height: number,
  fps: number,
  frames: number,
): Promise<string[]> {
  const args = buildCaptureArgs(
    { kind: 'test' },
    { width, height, fps, realtime: false, loop: false, constantRate: true, platform: 'linux' },
  );
  const withoutSink = args.slice(0, -3); // drop "-f rawvideo pipe:1"
  const { stdout } = await promisify(execFile)(
    ffmpeg,
    [...withoutSink, '-frames:v', String(frames), '-f', 'framemd5', '-'],
    { maxBuffer: 16 << 20 },
  );
  return stdout
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

const until = async (check: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('FfmpegSource (real ffmpeg)', () => {
  it.each(['socket', 'pipe'] as const)(
    'test pattern 1280x720@30 over a %s delivers every frame exactly once, whole, in order',
    async (transport) => {
      const source = testPattern(1280, 720, 30, transport);
      const hashes: string[] = [];
      const seqs: number[] = [];
      const pts: number[] = [];
      source.on('frame', (frame: Frame) => {
        expect(frame.data.length).toBe(1280 * 720 * 4);
        hashes.push(createHash('md5').update(frame.data).digest('hex'));
        seqs.push(frame.seq);
        pts.push(frame.pts);
      });
      await source.start();
      await until(() => hashes.length >= 90, 30_000); // 3 s of video, however busy the machine is
      await source.stop();
      const reference = await referenceHashes(1280, 720, 30, hashes.length + 5);

      expect(hashes.length).toBeGreaterThanOrEqual(90);
      expect(new Set(reference).size).toBe(reference.length); // every reference frame is distinct
      // A split, merged, repeated or skipped frame would break this equality.
      expect(hashes).toEqual(reference.slice(0, hashes.length));
      expect(seqs).toEqual(hashes.map((_, i) => i));
      expect(pts.every((p, i) => i === 0 || p > pts[i - 1])).toBe(true);
      expect(source.restarts).toBe(0);
    },
  );

  it('falls back to stdout with one warning when it cannot connect to ffmpeg over loopback', async () => {
    const lines: string[] = [];
    const log = { ...silentLogger(), warn: (line: string) => lines.push(line) } as unknown as Logger;
    const elsewhere = await freeLoopbackPort(); // nobody listens there: every connect is refused
    const source = new FfmpegSource({
      spec: { kind: 'test' },
      ffmpeg,
      log,
      width: 160,
      height: 120,
      fps: 30,
      realtime: true,
      loop: false,
      constantRate: true,
      platform: 'linux',
      timestamps: 'wallclock',
      listenTimeoutMs: 500,
      connect: (_port, onData, giveUp) => connectFrames(elsewhere, onData, giveUp),
    });
    sources.push(source);
    let frames = 0;
    source.on('frame', () => frames++);
    await source.start();
    await until(() => frames >= 10, 10_000);
    expect(lines).toEqual(['capture: cannot connect to ffmpeg on 127.0.0.1; reading its stdout instead']);
    expect(source.restarts).toBe(0);
  });

  it('restarts a killed ffmpeg with backoff and the frames go on', async () => {
    const source = testPattern(320, 240, 30);
    const seqs: number[] = [];
    const restarts: string[] = [];
    source.on('frame', (frame: Frame) => seqs.push(frame.seq));
    source.on('restart', ({ reason }) => restarts.push(reason));
    await source.start();
    await until(() => seqs.length >= 15, 10_000);
    const firstPid = source.pid;
    source.killChildForTest('SIGKILL');
    await until(() => restarts.length === 1 && seqs.length >= 45, 15_000);

    expect(restarts[0]).toMatch(/SIGKILL/);
    expect(source.restarts).toBe(1);
    expect(source.pid).not.toBe(firstPid);
    expect(seqs).toEqual(seqs.map((_, i) => i)); // seq keeps counting across the restart
  });

  /** A small live source reading `url` (stopped after the test). */
  function liveUrlSource(url: string, startTimeoutMs?: number): FfmpegSource {
    const source = new FfmpegSource({
      spec: { kind: 'url', url },
      ffmpeg,
      log: silentLogger(),
      width: 64,
      height: 64,
      fps: 10,
      realtime: true,
      loop: false,
      constantRate: true,
      platform: 'linux',
      timestamps: 'wallclock',
      startTimeoutMs,
    });
    sources.push(source);
    return source;
  }

  /** A live URL source whose server takes the connection and never answers. */
  async function silentStreamSource(startTimeoutMs?: number) {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    return { silent, source: liveUrlSource(`http://127.0.0.1:${port}/live.ts`, startTimeoutMs) };
  }

  it('a start that cannot open its input rejects with a one-line error and does not retry', async () => {
    const source = liveUrlSource('tcp://127.0.0.1:9/nothing');
    await expect(source.start()).rejects.toThrow(
      /^stream tcp:\/\/127\.0\.0\.1:9\/nothing: connection refused/,
    );
    expect(source.restarts).toBe(0);
  });

  it('a stream that accepts the connection but never sends a picture fails start() after startTimeoutMs', {
    timeout: 15_000,
  }, async () => {
    const { silent, source } = await silentStreamSource(1000);
    try {
      const started = performance.now();
      // Before: start() waited for as long as the server kept the connection open.
      await expect(source.start()).rejects.toThrow(/sent no picture within 1 s/);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(source.restarts).toBe(0);
    } finally {
      silent.close();
    }
  });

  it('stop() before the first frame settles start() (Ctrl-C while a stream does not answer)', {
    timeout: 15_000,
  }, async () => {
    const { silent, source } = await silentStreamSource();
    try {
      const outcome = source.start().then(
        () => 'started',
        (error: Error) => error.message,
      );
      await new Promise((r) => setTimeout(r, 500));
      await source.stop();
      // Before: start() never settled, so `run` waited on it after Ctrl-C.
      expect(await outcome).toMatch(/stopped before the first frame/);
    } finally {
      silent.close();
    }
  });
});
