import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { media } from '../helpers/shared.ts';
import { runCli, startCli, waitForOutput } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Other tests may run OBS or a daemon on the default ports: stay off both.
const ISOLATED = ['--no-obs', '--port', '0'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each test starts the whole CLI (tsx + every module); on a loaded 2-core machine that alone can take 20 s.
describe('stylecast render / run / devices (real CLI)', { timeout: 120_000 }, () => {
  it('render --effect none keeps the frame count and duration of the input', async () => {
    const input = media('video', 'woman_plain_backdrop_720x720.mp4');
    const output = join(dir, 'out.mkv');
    const result = await runCli(['render', input, output, '--effect', 'none']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const [source, rendered] = await Promise.all([
      probeVideo(input, { countFrames: true }),
      probeVideo(output, { countFrames: true }),
    ]);
    expect(rendered.frames).toBe(source.frames);
    expect(rendered.durationS).toBeCloseTo(source.durationS, 1);
    expect(rendered.width).toBe(720);
    expect(result.stdout).toMatch(/wrote .*out\.mkv: 270 frames/);
  });

  it('run with no camera uses the test pattern; Ctrl-C (SIGINT) finalizes the recording', async () => {
    const output = join(dir, 'live.mp4');
    const { child, done } = startCli([
      'run',
      ...ISOLATED,
      '--effect',
      'none',
      '--record',
      output,
      '--width',
      '640',
      '--height',
      '360',
    ]);
    await waitForOutput(child, 'Ctrl-C stops');
    await sleep(2000);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/no camera found: using the test pattern/);
    expect(result.stdout).toContain(`recording: ${output}`);
    const info = await probeVideo(output, { countFrames: true });
    expect(info.width).toBe(640);
    expect(info.frames).toBeGreaterThan(15);
    expect(info.durationS).toBeGreaterThan(1);
  });

  it('kill -9 of the whole CLI still leaves a playable recording', async () => {
    const output = join(dir, 'crash.mkv');
    const { child, done } = startCli([
      'run',
      ...ISOLATED,
      '--input',
      'test',
      '--effect',
      'none',
      '--record',
      output,
    ]);
    await waitForOutput(child, 'Ctrl-C stops');
    await sleep(2000);
    child.kill('SIGKILL');
    await done;
    // The recorder's ffmpeg sees the end of its input and closes the file on its own.
    let frames = 0;
    for (let i = 0; i < 50 && frames === 0; i++) {
      await sleep(100);
      frames = await probeVideo(output, { countFrames: true }).then(
        (v) => v.frames,
        () => 0,
      );
    }
    expect(frames).toBeGreaterThan(10);
  });

  it('run --output file:PATH --duration records and stops by itself', async () => {
    const output = join(dir, 'duration.mkv');
    const result = await runCli([
      ...['run', ...ISOLATED, '--input', 'test', '--width', '320', '--height', '240'],
      ...['--effect', 'none', '--output', `file:${output}`, '--duration', '1.5'],
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stylecast running: test pattern 320x240 @ 30 fps, effect none/);
    expect(result.stdout).toContain(`recording: ${output}`);
    expect((await probeVideo(output, { countFrames: true })).frames).toBeGreaterThan(10);
  });

  it('devices says clearly that there are no cameras here', async () => {
    const result = await runCli(['devices']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No cameras found/);
  });
});
