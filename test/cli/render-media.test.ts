import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { REPO } from '../helpers/shared.ts';
import { runCli } from './cli-helpers.ts';

// Media the way phones and editors write it, made here with ffmpeg (never committed).
const dir = mkdtempSync(join(tmpdir(), 'stylecast-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ffmpeg = (...args: string[]) =>
  execFileSync('ffmpeg', ['-y', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** A 160x96 clip stored sideways with a display matrix turning it a quarter (a phone held upright). */
function phoneVideo(): string {
  const stored = join(dir, 'stored.mp4');
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=160x96:r=10:d=0.5',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    stored,
  );
  const rotated = join(dir, 'phone.mp4');
  try {
    ffmpeg('-display_rotation', '90', '-i', stored, '-c', 'copy', rotated); // ffmpeg >= 6
  } catch {
    ffmpeg('-i', stored, '-c', 'copy', '-metadata:s:v', 'rotate=90', rotated); // ffmpeg 5
  }
  return rotated;
}

describe('render of real-world media (real CLI)', { timeout: 120_000 }, () => {
  it('a phone video with a rotation is rendered at the size it is shown, not the size it is stored', async () => {
    const input = phoneVideo();
    const output = join(dir, 'phone-out.mkv');
    const result = await runCli(['render', input, output, '--effect', 'none', '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    // ffmpeg turns the frames upright while decoding: an output at the stored 160x96 was a
    // pillarboxed 58x96 picture in black bars.
    const rendered = await probeVideo(output);
    expect([rendered.width, rendered.height]).toEqual([96, 160]);
    expect(result.stdout).toMatch(/wrote .*phone-out\.mkv: 5 frames/);
  });
});

/** One grey frame of `file` at `seconds`, 32x24 (for comparing pictures, not codecs). */
const frameAt = (file: string, seconds: number): Buffer =>
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-ss',
    String(seconds),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    'scale=32:24',
    '-pix_fmt',
    'gray',
    '-f',
    'rawvideo',
    'pipe:1',
  ]);
const meanDifference = (a: Buffer, b: Buffer): number =>
  a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;

describe('render of a variable-frame-rate video (real CLI)', { timeout: 120_000 }, () => {
  it('keeps its timing: resampled to its base rate, each moment shows the same picture as the input', async () => {
    // 30 fps with a 1 s pause (frames at 0-0.47 s, then 1.5-1.97 s): 30 frames, average 15 fps, as a
    // phone or a game clip that stops sending frames while nothing moves.
    const input = join(dir, 'vfr.mp4');
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x96:r=30:d=2',
      '-vf',
      "select='lt(n,15)+gte(n,45)',setpts='N/30/TB+if(gte(N,15),1/TB,0)'",
      '-fps_mode',
      'vfr',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      input,
    );
    const probed = await probeVideo(input);
    expect([probed.variableRate, probed.fps]).toEqual([true, 30]);
    const output = join(dir, 'vfr-out.mp4');
    const result = await runCli(['render', input, output, '--effect', 'none', '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr + result.stdout).toMatch(/variable frame rate: rendering at a constant 30 fps/);
    const rendered = await probeVideo(output, { countFrames: true });
    expect(Math.abs(rendered.durationS - 2)).toBeLessThan(0.1);
    expect(Math.abs(rendered.frames - 60)).toBeLessThanOrEqual(2);
    // [output time, the input's picture then (in the pause: its last frame, at 0.47 s), and the one
    // every source frame spread evenly at 15 fps put there instead (the pause nowhere)].
    for (const [t, shown, spread] of [
      [0.3, 0.3, 0.15],
      [1.0, 0.45, 1.5],
      [1.7, 1.7, 1.85],
    ]) {
      const same = meanDifference(frameAt(output, t), frameAt(input, shown));
      const shifted = meanDifference(frameAt(output, t), frameAt(input, spread));
      expect(same, `at ${t} s`).toBeLessThan(shifted / 2);
    }
  });
});

describe('render of a file whose name starts with a dash (real CLI)', { timeout: 120_000 }, () => {
  it('reads it (after --), instead of ffprobe taking the name for an option', () => {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=0.3', '-pix_fmt', 'yuv420p', join(dir, '-clip.mp4'));
    // Only a relative name starts with the dash: run in the clip's folder.
    const result = spawnSync(
      process.execPath,
      [
        join(REPO, 'bin', 'stylecast.js'),
        'render',
        '--effect',
        'none',
        '--no-progress',
        '--',
        '-clip.mp4',
        'dash-out.mkv',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, STYLECAST_CONFIG: '' }, timeout: 110_000 },
    );
    expect(result.stderr).not.toMatch(/error/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/wrote dash-out\.mkv: 3 frames/);
  });
});
