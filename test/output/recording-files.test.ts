import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { DaemonTarget } from '../../src/control/api/daemon-target.ts';
import { isStylecastError } from '../../src/core/errors.ts';
import { Daemon } from '../../src/daemon.ts';
import type { Recorder } from '../../src/output/recorder.ts';
import { runCli } from '../cli/cli-helpers.ts';
import { linesLogger } from '../helpers/log-lines.ts';
import { countDecodedFrames, probeDuration } from '../helpers/media-probe.ts';

/**
 * "Never lose a recording": live recordings never replace a file, every recorder counts as recording,
 * and a recording asked for at start that cannot start stops `run` (real ffmpeg, real daemon).
 */

const dir = mkdtempSync(join(tmpdir(), 'stylecast-recfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INPUT = { source: 'test', width: 320, height: 240, fps: 30 };

const recordersOf = (daemon: Daemon) =>
  (daemon as unknown as { scheduler: { sinks: Recorder[] } }).scheduler.sinks;

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(50);
  expect(check()).toBe(true);
}

describe('recordings never overwrite, and every recorder counts', { timeout: 60_000 }, () => {
  it('record.path that exists: the old file is untouched, the recording goes to name-2 and says so', async () => {
    const path = join(dir, 'show.mkv');
    writeFileSync(path, 'last night’s show');
    const { log, lines } = linesLogger();
    const daemon = new Daemon({
      config: validateConfig({ input: INPUT, effect: { name: 'none' }, record: { path } }),
      log,
    });
    await daemon.start();
    try {
      await waitFor(() => (daemon.stats().sinks[0]?.written ?? 0) > 20);
    } finally {
      await daemon.stop();
    }
    expect(readFileSync(path, 'utf8')).toBe('last night’s show');
    const second = join(dir, 'show-2.mkv');
    expect(countDecodedFrames(second)).toBeGreaterThan(15);
    expect(lines).toContain(`warn ${path} already exists: recording to ${second} instead`);
  });

  it('five records started and stopped quickly through the bus give five distinct playable files', async () => {
    const recDir = join(dir, 'api');
    const daemon = new Daemon({
      config: validateConfig({ input: INPUT, effect: { name: 'none' }, record: { dir: recDir } }),
      log: linesLogger().log,
    });
    await daemon.start();
    const paths: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const started = (await daemon.bus.execute({ command: 'record', action: 'start' }, 'api')) as {
          path: string;
        };
        paths.push(started.path);
        await waitFor(() => (daemon.stats().sinks[0]?.written ?? 0) >= 6);
        await daemon.bus.execute({ command: 'record', action: 'stop' }, 'api');
      }
    } finally {
      await daemon.stop();
    }
    expect(new Set(paths).size).toBe(5); // the same second, five names: stylecast-…, -2 … -5
    for (const path of paths) expect(countDecodedFrames(path), path).toBeGreaterThan(0);
  });

  it('--record (a file: sink) counts as recording: start is a no-op, toggle stops and finalizes it', async () => {
    const path = join(dir, 'configured.mkv');
    const daemon = new Daemon({
      config: validateConfig({ input: INPUT, effect: { name: 'none' }, record: { path } }),
      log: linesLogger().log,
    });
    await daemon.start();
    try {
      await waitFor(() => (daemon.stats().sinks[0]?.written ?? 0) > 20);
      expect(daemon.isRecording()).toBe(true);
      expect(daemon.recordingStatus()).toMatchObject({ active: true, path, state: 'running' });
      const target = new DaemonTarget({ daemon }); // what GET /api/v1/recording answers
      expect(target.status().recording).toMatchObject({ active: true, path });
      target.dispose();
      expect(await daemon.bus.execute({ command: 'record', action: 'start' }, 'api')).toEqual({
        recording: true,
        path,
      });
      expect(recordersOf(daemon)).toHaveLength(1); // no second recorder on the same file
      expect(await daemon.bus.execute({ command: 'record', action: 'toggle' }, 'api')).toEqual({
        recording: false,
      });
      expect(daemon.isRecording()).toBe(false);
      expect(daemon.recordingStatus()).toEqual({ active: false });
      expect(probeDuration(path)).toBeGreaterThan(0.5); // finalized: the header has the duration
    } finally {
      await daemon.stop();
    }
  });

  it('a recording asked for at start that cannot start stops the daemon with a one-line error', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const daemon = new Daemon({
      config: validateConfig({
        input: INPUT,
        effect: { name: 'none' },
        record: { path: join(blocker, 'rec.mkv') },
      }),
      log: linesLogger().log,
    });
    const error = await daemon.start().catch((e) => e);
    expect(isStylecastError(error) && error.key).toBe('RECORDING');
    expect(error.message).toMatch(
      /cannot record to .*not-a-folder\/rec\.mkv: cannot create the folder .*not-a-folder: .*not-a-folder is a file, not a folder$/,
    );
    expect(daemon.stats().state).toBe('stopped');
  });

  it('run --record under a regular file (real CLI): error + hint, non-zero exit, no stack trace', async () => {
    const blocker = join(dir, 'file-in-the-way');
    writeFileSync(blocker, 'x');
    const result = await runCli([
      'run',
      '--input',
      'test',
      '--effect',
      'none',
      '--no-obs',
      '--port',
      '0',
      '--duration',
      '5',
      '--record',
      join(blocker, 'show.mkv'),
    ]);
    expect(result.code).not.toBe(0);
    const errors = result.stderr.split('\n').filter((l) => /^(error|hint):/.test(l));
    expect(errors[0]).toMatch(/^error: cannot record to .*file-in-the-way\/show\.mkv/);
    expect(errors[1]).toMatch(/^hint: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(basename(blocker)).toBe('file-in-the-way');
  });
});
