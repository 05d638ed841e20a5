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
