import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { validateConfig } from '../../src/config/load.ts';
import { isStylecastError } from '../../src/core/errors.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import { renderFile } from '../../src/pipeline/render.ts';
import { linesLogger } from '../helpers/log-lines.ts';
import { media } from '../helpers/shared.ts';
import { runCli } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-same-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clip = media('video', 'woman_plain_backdrop_720x720.mp4');

describe('render never writes over its input', { timeout: 120_000 }, () => {
  it('render X X (real CLI): one-line error with a hint, non-zero exit, the input untouched', async () => {
    const input = join(dir, 'in.mp4');
    copyFileSync(clip, input);
    const before = readFileSync(input);
    const result = await runCli(['render', input, input, '--effect', 'none']);
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: .*is the input file/);
    expect(lines[1]).toMatch(/^hint: /);
    expect(lines).toHaveLength(2);
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('also through ./X, a symlink, a symlinked folder and a hard link', async () => {
    const input = join(dir, 'in2.mp4');
    copyFileSync(clip, input);
    const before = readFileSync(input);
    symlinkSync(input, join(dir, 'link.mp4'));
    linkSync(input, join(dir, 'hard.mp4'));
    mkdirSync(join(dir, 'real'));
    copyFileSync(clip, join(dir, 'real', 'in3.mp4'));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    const config = validateConfig({ effect: { name: 'none' } });
    const cases: [string, string][] = [
      [input, `./${relative(process.cwd(), input)}`],
      [input, join(dir, 'link.mp4')],
      [join(dir, 'link.mp4'), input],
      [input, join(dir, 'hard.mp4')],
      [join(dir, 'real', 'in3.mp4'), join(dir, 'alias', 'in3.mp4')],
      [input, join(dir, '.', 'sub', '..', 'in2.mp4')],
    ];
    for (const [from, to] of cases) {
      const error = await renderFile({ input: from, output: to, config, log: linesLogger().log }).catch(
        (e) => e,
      );
      expect(isStylecastError(error) && error.key, `${from} -> ${to}`).toBe('BAD_ARGUMENT');
    }
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('warns when the frames written differ from the count the input states', async () => {
    // Stream-copied from mid-GOP: the MP4 header counts 135 frames, its edit list shows 52 of them.
    const cut = join(dir, 'cut.mp4');
    execFileSync(findFfmpeg(), ['-v', 'error', '-y', '-ss', '3.3', '-i', clip, '-c', 'copy', '-t', '2', cut]);
    const info = await probeVideo(cut);
    expect(info.frameCountKnown).toBe(true);
    const { log, lines } = linesLogger();
    const config = validateConfig({ effect: { name: 'none' } });
    const result = await renderFile({ input: cut, output: join(dir, 'cut-out.mkv'), config, log });
    expect(result.frames).not.toBe(info.frames);
    const warnings = lines.filter((l) => l.startsWith('warn') && /frames but/.test(l));
    expect(warnings).toEqual([
      `warn render: wrote ${result.frames} frames but ${cut} has ${info.frames}: the output's length differs from the input's`,
    ]);
  });
});
