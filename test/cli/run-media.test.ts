import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { expectOneError, runCli } from './cli-helpers.ts';

// Inputs a streamer points `run --input` at, made here with ffmpeg (never committed).
const dir = mkdtempSync(join(tmpdir(), 'stylecast-run-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ISOLATED = ['--no-obs', '--port', '0', '--effect', 'none', '--width', '320', '--height', '180'];

describe('run --input with media it cannot show (real CLI)', { timeout: 120_000 }, () => {
  it('an audio-only file is one line saying it has no video, not ffmpeg advice about -map', async () => {
    const audio = join(dir, 'voice memo.m4a');
    execFileSync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'sine=d=0.5', '-c:a', 'aac', audio]);
    const result = await runCli(['run', ...ISOLATED, '--input', audio]);
    expectOneError(
      result,
      /^error: file .*voice memo\.m4a has no video stream/,
      /^hint: give a file or stream with video/,
    );
  });
});
