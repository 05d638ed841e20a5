import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countDecodedFrames,
  probeDuration,
  type RunningDaemon,
  startDaemon,
  tempDir,
} from '../helpers/daemon-process.ts';

/**
 * Recording faults against a real `stylecast run`: the recorder ffmpeg killed, the disk filling up
 * (a 3 MB tmpfs the test mounts), SIGTERM / SIGINT (the file is finalized) and kill -9 of the daemon
 * (the file plays up to at most the last 2 s). Output to the other sinks never stops.
 */

const RESUME_MS = 5000;
const ARGS = [
  '--input',
  'test',
  '--width',
  '640',
  '--height',
  '360',
  '--fps',
  '30',
  '--effect',
  'none',
  '--no-obs',
];

const recorderSink = async (daemon: RunningDaemon) =>
  (await daemon.stats()).sinks.find((s) => s.name.startsWith('file:') || s.name === 'recording');

describe('recording faults', () => {
  const dir = tempDir();
  let daemon: RunningDaemon | undefined;

  afterAll(async () => {
    await daemon?.stop();
    dir.remove();
  });

  it('recorder ffmpeg killed: it says so, recording continues in a part file within 5 s, both files decode', async () => {
    const file = join(dir.path, 'killed.mkv');
    daemon = await startDaemon({ args: [...ARGS, '--record', file] });
    await daemon.waitForFrames(60, 15_000);
    const recorder = await daemon.waitForChild('recorder', 3000);
    while (((await recorderSink(daemon))?.written ?? 0) < 45) await new Promise((r) => setTimeout(r, 100));
    const writtenAtKill = (await recorderSink(daemon))?.written ?? 0;
    const killedAt = Date.now();
    process.kill(recorder.pid, 'SIGKILL');
    await daemon.waitForOutput(
      /recording stopped: .*killed by SIGKILL.*the file keeps what was written/,
      5000,
    );
    await daemon.waitForOutput(/recording continues in .*killed\.part2\.mkv/, 5000);
    // Output never paused: frames keep flowing to the pipeline without a daemon restart.
    await daemon.waitForFrames(30, RESUME_MS);
    const next = await daemon.waitForChild('recorder', RESUME_MS, recorder.pid);
    expect(next.argv.join(' ')).toContain('killed.part2.mkv');
    for (;;) {
      const sink = await recorderSink(daemon);
      if (sink?.state === 'running' && sink.detail?.includes('part2')) break;
      if (Date.now() - killedAt > RESUME_MS) throw new Error(`recorder not back: ${JSON.stringify(sink)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.info(`recorder killed: recording again after ${Date.now() - killedAt} ms`);
    const status = await daemon.api<{ state: string }>('/api/v1/status');
    expect(status.state).toBe('running');
    // Not finalized (no duration in the header), but every frame written so far decodes.
    // At most ~1 s lost: a cluster closes every second, plus the frames still in the pipe.
    expect(countDecodedFrames(file) ?? 0).toBeGreaterThanOrEqual(writtenAtKill - 36);
    await daemon.waitForFrames(45, 5000);
    expect((await daemon.stop()).code).toBe(0);
    expect(countDecodedFrames(join(dir.path, 'killed.part2.mkv'))).toBeGreaterThan(10);
  }, 30_000);

  it('recorder ffmpeg stalled (SIGSTOP): the pipeline never waits for it; recording resumes on SIGCONT', async () => {
    const file = join(dir.path, 'stalled.mkv');
    daemon = await startDaemon({ args: [...ARGS, '--record', file] });
    await daemon.waitForFrames(30, 15_000);
    const recorder = await daemon.waitForChild('recorder', 3000);
    process.kill(recorder.pid, 'SIGSTOP');
    try {
      // The sink drops what it cannot queue (2 frames): output to the pipeline goes on.
      await daemon.waitForFrames(45, RESUME_MS);
      const stalled = await recorderSink(daemon);
      expect(stalled?.dropped).toBeGreaterThan(10);
    } finally {
      process.kill(recorder.pid, 'SIGCONT');
    }
    const before = (await recorderSink(daemon))?.written ?? 0;
    const deadline = Date.now() + RESUME_MS;
    while (((await recorderSink(daemon))?.written ?? 0) < before + 30 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await recorderSink(daemon))?.written).toBeGreaterThanOrEqual(before + 30);
    expect((await daemon.stop()).code).toBe(0);
    expect(probeDuration(file)).toBeGreaterThan(1);
  }, 30_000);

  it('disk full while recording (3 MB tmpfs): one error line, the pipeline keeps running, the partial file is readable', async (context) => {
    const mnt = join(dir.path, 'small-disk');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      context.skip(
        `cannot mount a 3 MB tmpfs here (${mounted.stderr.trim() || 'not root'}): disk-full fault not run`,
      );
      return;
    }
    try {
      const file = join(mnt, 'full.mkv');
      // Most of the disk is taken already: the recording fills the rest within seconds.
      execFileSync('sh', ['-c', `head -c 2700K /dev/urandom > ${join(mnt, 'filler')}`]);
      daemon = await startDaemon({ args: [...ARGS, '--record', file] });
      await daemon.waitForOutput(/recording stopped: .*the file keeps what was written/, 20_000);
      expect(daemon.output()).toMatch(/No space left on device/);
      // A new part file would fail the same way: it waits for free space (64 MB) instead of a restart loop.
      await daemon.waitForOutput(
        /recording paused: the disk is full; it continues when 64 MB are free/,
        5000,
      );
      expect(daemon.output()).not.toMatch(/recording continues in/);
      await daemon.waitForFrames(30, RESUME_MS);
      expect((await recorderSink(daemon))?.state).toBe('failed');
      expect(statSync(file).size).toBeGreaterThan(0);
      expect(countDecodedFrames(file)).toBeGreaterThan(0);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      await daemon?.stop();
      spawnSync('umount', ['-l', mnt]);
    }
  }, 30_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during recording: the daemon exits 0 and the file is finalized`, async () => {
      const file = join(dir.path, `${signal}.mkv`);
      daemon = await startDaemon({ args: [...ARGS, '--record', file] });
      await daemon.waitForFrames(60, 15_000);
      const written = (await recorderSink(daemon))?.written ?? 0;
      const started = Date.now();
      daemon.proc.kill(signal);
      const result = await daemon.exited;
      expect(result.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(daemon.output()).toMatch(/recording finished/);
      expect(daemon.output()).not.toMatch(/\n\s+at /); // no stack trace
      // Finalized: the container knows its duration and every frame decodes.
      const duration = probeDuration(file) ?? 0;
      expect(duration).toBeGreaterThan(written / 30 - 1);
      expect(countDecodedFrames(file)).toBeGreaterThanOrEqual(written);
      expect(daemon.children()).toHaveLength(0);
    }, 30_000);
  }

  it('kill -9 of the daemon and its children during recording: the file plays up to at most the last 2 s', async () => {
    const file = join(dir.path, 'kill9.mkv');
    daemon = await startDaemon({ args: [...ARGS, '--record', file] });
    await daemon.waitForFrames(120, 20_000);
    const kids = daemon.children();
    const recordedS = await (async () => {
      const sink = await recorderSink(daemon!);
      return (sink?.written ?? 0) / 30;
    })();
    // The harshest kill: the daemon and every child at once (power cut, OOM killer on the group),
    // so the recorder ffmpeg cannot finalize the file either.
    daemon.proc.kill('SIGKILL');
    for (const kid of kids) process.kill(kid.pid, 'SIGKILL');
    await daemon.exited;
    expect(existsSync(file)).toBe(true);
    const frames = countDecodedFrames(file) ?? 0;
    expect(frames / 30).toBeGreaterThan(recordedS - 2);
  }, 30_000);
});
