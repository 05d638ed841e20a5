import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { addEffectOptions, type EffectFlags, effectConfigFlags } from '../../src/control/cli/effect-flags.ts';
import { media } from '../helpers/shared.ts';
import { collectFrames } from '../segmentation/decode.ts';
import { runCli } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-effect-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The config `run`/`render` would build from these flags over a config file with `file` in it. */
function configFrom(argv: string[], file: Record<string, unknown> = {}) {
  const command = addEffectOptions(new Command('t').exitOverride(), 'effect');
  command.parse(argv, { from: 'user' });
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({ file: path, flags: effectConfigFlags(command.opts<EffectFlags>()), env: {} });
}

/** Share of pixels within 40 of an RGB colour in one decoded frame. */
function shareNear(data: Uint8Array, rgb: [number, number, number]): number {
  let near = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (rgb.every((c, k) => Math.abs(data[i + k] - c) <= 40)) near++;
  }
  return near / (data.length / 4);
}

describe('effect and mask flags of run and render', () => {
  it('each flag lands on its setting; flags not given leave the config file alone', () => {
    const file = {
      effect: { background: '#123456' },
      segmentation: { mask: { threshold: 0.4, skipSimilarFrames: false, feather: 0.9 } },
    };
    const plain = configFrom([], file);
    expect(plain.segmentation.mask).toMatchObject({ threshold: 0.4, skipSimilarFrames: false, feather: 0.9 });
    expect(plain.effect.background).toBe('#123456');

    const c = configFrom(
      [
        ...['-e', 'replace-background', '-b', '#ff0000', '--blur-radius', '30', '-m', 'selfie-landscape'],
        ...[
          '--threshold',
          '0.6',
          '--smooth-contour',
          '0.2',
          '--feather',
          '0',
          '--temporal-smoothing',
          '0.95',
        ],
        '--skip-similar-frames',
      ],
      file,
    );
    expect(c.effect).toMatchObject({ name: 'replace-background', background: '#ff0000', blurRadius: 30 });
    expect(c.segmentation.model).toBe('selfie-landscape');
    expect(c.segmentation.mask).toMatchObject({
      threshold: 0.6,
      smoothContour: 0.2,
      feather: 0,
      temporalSmoothing: 0.95,
      skipSimilarFrames: true,
    });
    expect(configFrom(['--no-skip-similar-frames'], {}).segmentation.mask.skipSimilarFrames).toBe(false);
  });

  it('bad values are one-line errors naming the flag and its range', () => {
    expect(() => configFrom(['--feather', '1.5'])).toThrow(
      '--feather 1.5 is not a valid number (>= 0 and <= 1)',
    );
    expect(() => configFrom(['--blur-radius', '0'])).toThrow('(>= 1 and <= 100)');
    expect(() => configFrom(['--temporal-smoothing', 'lots'])).toThrow('--temporal-smoothing lots');
    // Number() reads these as 1 and 0: the shared parser takes plain decimals only.
    expect(() => configFrom(['--feather', '0x1'])).toThrow('--feather 0x1 is not a valid number');
    expect(() => configFrom(['--threshold', ''])).toThrow("--threshold '' is not a valid number");
    expect(() => configFrom(['-m', 'people'])).toThrow("unknown segmentation model 'people'");
  });

  it('render --background paints the background that colour (real CLI, real model)', {
    timeout: 120_000,
  }, async () => {
    const output = join(dir, 'red.mkv');
    const input = media('video', 'person_indoor_576x576_4s.mp4');
    const args = ['render', input, output, '--effect', 'replace-background', '--no-progress'];
    const result = await runCli([...args, '--background', '#ff0000', '--temporal-smoothing', '0']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const [frame] = (await collectFrames(output, { width: 576, height: 576, maxFrames: 40 })).slice(-1);
    const red = shareNear(frame.data, [255, 0, 0]);
    // The person (~5 % of this frame) keeps their colours; the rest is the colour given, not the default green.
    expect(red).toBeGreaterThan(0.5);
    expect(red).toBeLessThan(0.99);
    expect(shareNear(frame.data, [0, 177, 64])).toBeLessThan(0.01);

    const missing = await runCli([...args, '--background', join(dir, 'no-such.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(2);
    expect(missing.stderr).toMatch(/no-such\.png does not exist/);
  });

  it('run takes the same flags (test pattern: no person, so all of it is the colour)', {
    timeout: 120_000,
  }, async () => {
    const output = join(dir, 'blue.mkv');
    const result = await runCli([
      ...['run', '--no-obs', '--port', '0', '--input', 'test', '--width', '320', '--height', '240'],
      ...['-e', 'replace-background', '-b', '#0000ff', '-m', 'selfie-landscape', '--feather', '0.1'],
      ...['--output', `file:${output}`, '--duration', '2'],
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/segmentation: model selfie-landscape/);
    const [frame] = (await collectFrames(output, { width: 320, height: 240, maxFrames: 30 })).slice(-1);
    expect(shareNear(frame.data, [0, 0, 255])).toBeGreaterThan(0.9);
  });
});
