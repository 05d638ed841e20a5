import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import type { Frame } from '../../src/core/frame.ts';
import { Daemon } from '../../src/daemon.ts';
import { partPath, Recorder } from '../../src/output/recorder.ts';
import { linesLogger } from '../helpers/log-lines.ts';
import { countDecodedFrames } from '../helpers/media-probe.ts';

/**
 * The recorder tells the truth when things go wrong (real ffmpeg): a failed recorder is not
 * "active", logs name the part that died and count its frames, a full disk is waited out, an
 * encoder that cannot keep up and a lost alpha channel are each said once.
 */

const ffmpeg = findFfmpeg();
const dir = mkdtempSync(join(tmpdir(), 'stylecast-recfaults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const W = 320;
const H = 240;

function frameOf(fill: (data: Uint8Array) => void, seq = 0): Frame {
  const data = new Uint8Array(W * H * 4);
  fill(data);
  return { width: W, height: H, data, pts: seq / 30, seq, readAt: performance.now() };
}
const opaque = (data: Uint8Array) => data.fill(255);

/** Writes `next()` to the recorder at 30 fps until stopped. */
function feed(recorder: Recorder, next: () => Frame): () => void {
  const timer = setInterval(() => recorder.write(next()), 1000 / 30);
  return () => clearInterval(timer);
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(50);
  expect(check()).toBe(true);
}

const liveRecorder = (path: string, log = linesLogger().log, extra = {}) =>
  new Recorder({ path, width: W, height: H, fps: 30, ffmpeg, log, ...extra });

describe('recorder faults, told truthfully', { timeout: 60_000 }, () => {
  it('a killed encoder: the recording state is failed with the reason and the real path, then the next part; logs count per part', async () => {
    const path = join(dir, 'crash (1).mkv'); // parentheses: the old state regex-stripped them from the path
    const { log, lines } = linesLogger();
    const daemon = new Daemon({
      config: validateConfig({
        input: { source: 'test', width: W, height: H, fps: 30 },
        effect: { name: 'none' },
        record: { path },
      }),
      log,
    });
    await daemon.start();
    const recorder = () => (daemon as unknown as { scheduler: { sinks: Recorder[] } }).scheduler.sinks[0];
    const part3 = partPath(path, 3);
    try {
      await waitFor(() => recorder().stats().written > 30);
      expect(daemon.recordingStatus()).toMatchObject({ active: true, path, state: 'running' });
      process.kill(recorder().pid!, 'SIGKILL');
      await waitFor(() => recorder().stats().state === 'failed');
      const failed = daemon.recordingStatus();
      expect(failed).toMatchObject({ active: false, path, state: 'failed' });
      expect(failed.error).toMatch(/ffmpeg killed by SIGKILL/);
      expect(daemon.isRecording()).toBe(false);
      // Part 2 after ~1 s; then kill that one: the failure names part 2, not the first file.
      const part2 = partPath(path, 2);
      await waitFor(() => daemon.recordingStatus().path === part2 && recorder().stats().state === 'running');
      expect(daemon.recordingStatus().active).toBe(true);
      await sleep(600);
      process.kill(recorder().pid!, 'SIGKILL');
      await waitFor(() =>
        lines.some((l) => l.startsWith(`error recording stopped: ${part2}: ffmpeg killed`)),
      );
      await waitFor(() => daemon.recordingStatus().path === part3 && recorder().stats().state === 'running');
      await sleep(1000);
    } finally {
      await daemon.stop();
    }
    const finished = lines.find((l) => l.startsWith('info recording finished:'));
    const match = /recording finished: (.*) \((\d+) frames; (\d+) in all 3 files\)/.exec(finished ?? '');
    expect(match?.[1], finished).toBe(part3);
    const [partFrames, total] = [Number(match?.[2]), Number(match?.[3])];
    expect(countDecodedFrames(part3)).toBe(partFrames); // per part, not the whole show's count
    expect(total).toBeGreaterThan(partFrames + 30);
  });

  it('an encoder killed before it wrote anything: "nothing was written", and no empty file is left', async () => {
    const path = join(dir, 'never.mkv');
    const { log, lines } = linesLogger();
    const recorder = liveRecorder(path, log);
    await recorder.start();
    process.kill(recorder.pid!, 'SIGKILL');
    await waitFor(() => recorder.stats().state === 'failed');
    await recorder.stop();
    const line = lines.find((l) => l.startsWith('error recording stopped:'));
    expect(line).toMatch(/never\.mkv: ffmpeg killed by SIGKILL.*; nothing was written$/);
    expect(line).not.toMatch(/keeps what was written/);
    expect(existsSync(path)).toBe(false);
  });

  it('disk full (a real tmpfs): paused with one line, resumes into the next part when space is back', async (context) => {
    const mnt = join(dir, 'small-disk');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      context.skip(
        `cannot mount a tmpfs here (${mounted.stderr.trim() || 'not root'}): disk-full resume not run`,
      );
      return;
    }
    try {
      execFileSync('sh', ['-c', `head -c 3300K /dev/zero > ${join(mnt, 'filler')}`]);
      const { log, lines } = linesLogger();
      const path = join(mnt, 'full.mkv');
      const recorder = liveRecorder(path, log, { minFreeBytes: 1 << 20, spaceCheckMs: 200 });
      // Noise does not compress: the last 700 KB fill within a second.
      const noise = Array.from({ length: 8 }, (_, i) =>
        frameOf((d) => {
          for (let p = 0; p < d.length; p++) d[p] = (p % 4 === 3 ? 255 : Math.random() * 256) | 0;
        }, i),
      );
      let n = 0;
      let next = () => noise[n++ % noise.length];
      await recorder.start();
      const stopFeeding = feed(recorder, () => next());
      try {
        await waitFor(
          () => lines.some((l) => l.startsWith('warn recording paused: the disk is full')),
          20_000,
        );
        expect(recorder.stats().state).toBe('failed');
        expect(recorder.failureReason).toMatch(/No space left on device/);
        await sleep(600); // still full: it keeps waiting, no new file
        expect(existsSync(partPath(path, 2))).toBe(false);
        next = () => frameOf(opaque);
        rmSync(join(mnt, 'filler'));
        await waitFor(() => recorder.stats().state === 'running', 5000);
        expect(
          lines.filter((l) => /free again: recording continues in .*full\.part2\.mkv/.test(l)),
        ).toHaveLength(1);
        await sleep(1000);
      } finally {
        stopFeeding();
        await recorder.stop();
      }
      expect(countDecodedFrames(path)).toBeGreaterThan(0);
      expect(countDecodedFrames(partPath(path, 2))).toBeGreaterThan(10);
    } finally {
      spawnSync('umount', ['-l', mnt]);
    }
  });

  it('an encoder that cannot keep up: one warning with the count and a hint; stats name the real codec', async () => {
    const { log, lines } = linesLogger();
    const recorder = liveRecorder(join(dir, 'slow.mov'), log);
    await recorder.start();
    const frame = frameOf(opaque);
    const stopFeeding = feed(recorder, () => frame);
    try {
      await waitFor(() => recorder.stats().written > 10);
      expect(recorder.stats().detail).toMatch(/\(prores_ks\)$/);
      process.kill(recorder.pid!, 'SIGSTOP'); // an encoder that falls behind, made certain
      await sleep(1500);
      process.kill(recorder.pid!, 'SIGCONT');
      await sleep(300);
    } finally {
      stopFeeding();
      await recorder.stop();
    }
    const warnings = lines.filter((l) => /cannot keep up/.test(l));
    expect(warnings).toHaveLength(1); // at most one per 30 s
    expect(warnings[0]).toMatch(
      /the encoder \(prores_ks\) cannot keep up: \d+ frames dropped.*hint: use \.mkv or \.webm/,
    );
  });

  it.each([
    ['mp4', 1],
    ['webm', 0],
  ])('transparent frames into .%s: %i warning(s) that the alpha is lost', async (ext, count) => {
    const { log, lines } = linesLogger();
    const recorder = liveRecorder(join(dir, `alpha.${ext}`), log);
    await recorder.start();
    let seq = 0;
    const stopFeeding = feed(recorder, () =>
      frameOf((d) => {
        for (let p = 0; p < d.length; p += 4) d.set([20, 200, 20, p < d.length / 2 ? 0 : 255], p);
      }, seq++),
    );
    await sleep(1500);
    stopFeeding();
    await recorder.stop();
    const warnings = lines.filter((l) => /has no alpha/.test(l));
    expect(warnings).toHaveLength(count);
    if (count) expect(warnings[0]).toMatch(/\.mp4 has no alpha.*use \.webm or \.mov/);
  });
});
