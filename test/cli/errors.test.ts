import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './cli-helpers.ts';

/** A user error: exit 1, `error: …` plus at most a `hint: …` line, never a stack trace. */
function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('info '));
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('stylecast CLI user errors (real CLI, child processes)', { timeout: 120_000 }, () => {
  it('missing file, unknown device, bad resolution and missing ffmpeg each give one line and exit 1', async () => {
    const [missing, device, resolution, noFfmpegEnv, noFfmpegPath, renderMissing] = await Promise.all([
      runCli(['run', '--input', '/nonexistent/clip.mp4']),
      runCli(['run', '--input', 'camera:Logitech BRIO 4K']),
      runCli(['run', '--input', 'test', '--width', '1281', '--height', '720']),
      // --port 0: in parallel, both on the default port, one's API port check saw the other's socket.
      runCli(['run', '--input', 'test', '--port', '0'], { FFMPEG_PATH: '/nonexistent/ffmpeg' }),
      runCli(['run', '--input', 'test', '--port', '0'], { FFMPEG_PATH: '', PATH: '/nonexistent' }),
      runCli(['render', '/nonexistent/in.mp4', '/tmp/out.mkv']),
    ]);
    expectOneLineError(missing, /input file \/nonexistent\/clip\.mp4 does not exist/);
    expectOneLineError(device, /camera 'Logitech BRIO 4K' not found/);
    expectOneLineError(resolution, /bad resolution: --width 1281/);
    expectOneLineError(noFfmpegEnv, /FFMPEG_PATH points to \/nonexistent\/ffmpeg/);
    expectOneLineError(noFfmpegPath, /ffmpeg was not found/);
    expectOneLineError(renderMissing, /does not exist/);
  });

  it('bad output specs and extensions are caught before anything starts', async () => {
    const [spec, ext] = await Promise.all([
      runCli(['run', '--input', 'test', '--output', 'somewhere']),
      runCli(['run', '--input', 'test', '--record', '/tmp/x.avi']),
    ]);
    expectOneLineError(spec, /unknown output 'somewhere'/);
    expectOneLineError(ext, /unknown extension '\.avi'/);
  });

  it('stylize --strength/--detail: not a number, empty and hex are refused, each with a hint', async () => {
    // Refused while the flags are parsed: no image or model is read, so any paths do.
    const stylize = (...flags: string[]) => runCli(['stylize', 'in.jpg', '--style', 'x', ...flags]);
    const results = await Promise.all([
      stylize('--strength', 'abc'),
      stylize('--strength', ''),
      stylize('--strength', '0x1'),
      stylize('--detail', '0x2'),
      stylize('--detail', '1.5'),
    ]);
    const [word, empty, hex, hexDetail, fraction] = results;
    expectOneLineError(word, /^error: --strength abc is not a valid number \(>= 0 and <= 1\)$/);
    expectOneLineError(empty, /^error: --strength '' is not a valid number/);
    expectOneLineError(hex, /^error: --strength 0x1 is not a valid number/);
    expectOneLineError(hexDetail, /^error: --detail 0x2 is not a valid whole number \(>= 1 and <= 4\)$/);
    expectOneLineError(fraction, /^error: --detail 1\.5 is not a valid whole number/);
    for (const result of results)
      expect(result.stderr).toMatch(/\nhint: for example --(strength 0\.6|detail 2)\n/);
  });
});
