import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StyleEntry, StyleLibrary, type StylePredictor } from '../../src/pipeline/style/library.ts';
import { STYLES_DIR } from '../helpers/shared.ts';
import { openCountingPredictor } from '../helpers/style-predictor.ts';
import { waitUntil } from '../helpers/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'stylecast-library-'));
const folder = join(root, 'styles');
const cacheDir = join(root, 'cache');
let predictor: StylePredictor & { calls: number };
let releasePredictor: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ predictor, release: releasePredictor } = await openCountingPredictor());
  mkdirSync(folder, { recursive: true });
  for (const f of [
    'munch_the_scream.jpg',
    'van_doesburg_composition_xiii.jpg',
    'vallotton_camille_mauclair.jpg',
  ])
    copyFileSync(join(STYLES_DIR, f), join(folder, f));
  writeFileSync(join(folder, 'README.txt'), 'not a style, ignored silently');
});

afterAll(async () => {
  await releasePredictor?.();
  rmSync(root, { recursive: true, force: true });
});

describe('style library', () => {
  it('names styles from files, predicts once, caches bottlenecks and thumbnails on disk', async () => {
    const library = new StyleLibrary({ folder, cacheDir, predictor, watch: false });
    await library.start();
    expect(library.names()).toEqual([
      'munch-the-scream',
      'vallotton-camille-mauclair',
      'van-doesburg-composition-xiii',
    ]);
    expect(predictor.calls).toBe(3);
    const munch = library.get('munch-the-scream') as StyleEntry;
    expect(munch.bottleneck.length).toBe(100);
    const meta = await sharp(munch.thumbnail).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 160]);
    expect(readdirSync(join(cacheDir, 'styles')).filter((f) => f.endsWith('.f32')).length).toBe(3);
    await library.stop();

    const again = new StyleLibrary({ folder, cacheDir, predictor, watch: false });
    await again.start();
    expect(predictor.calls).toBe(3); // all from the cache
    expect(Array.from(again.get('munch-the-scream')?.bottleneck ?? [])).toEqual(Array.from(munch.bottleneck));
    expect(again.neighbour('van-doesburg-composition-xiii', 1)?.name).toBe('munch-the-scream');
    expect(again.neighbour('munch-the-scream', -1)?.name).toBe('van-doesburg-composition-xiii');
    await again.stop();
  });

  it('picks up added and removed files without a restart; reports bad files once and skips them', async () => {
    const library = new StyleLibrary({ folder, cacheDir, predictor, debounceMs: 50 });
    const rejected: string[] = [];
    library.on('rejected', ({ file }: { file: string }) => rejected.push(file));
    await library.start();
    expect(library.size).toBe(3);

    copyFileSync(join(STYLES_DIR, 'klee_abstract.jpg'), join(folder, 'klee_abstract.jpg'));
    await waitUntil(() => library.get('klee-abstract') !== undefined);

    writeFileSync(join(folder, 'empty.jpg'), '');
    writeFileSync(join(folder, 'notes.png'), 'this is text, not a PNG');
    const jpeg = readFileSync(join(STYLES_DIR, 'hokusai_great_wave.jpg'));
    writeFileSync(join(folder, 'truncated.jpg'), jpeg.subarray(0, 2000));
    await sharp({ create: { width: 10000, height: 6000, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(folder, 'gigantic.png'));
    await waitUntil(() => rejected.length >= 4);
    // more folder activity: the bad files are not reported again
    await library.rescan();
    copyFileSync(join(STYLES_DIR, 'grasset_art_nouveau.jpg'), join(folder, 'grasset_art_nouveau.jpg'));
    await waitUntil(() => library.get('grasset-art-nouveau') !== undefined);
    await library.rescan();
    expect(rejected.map((f) => f.replace(/^.*\//, '')).sort()).toEqual([
      'empty.jpg',
      'gigantic.png',
      'notes.png',
      'truncated.jpg',
    ]);
    expect(library.get('empty')).toBeUndefined();
    expect(library.size).toBe(5);

    unlinkSync(join(folder, 'klee_abstract.jpg'));
    await waitUntil(() => library.get('klee-abstract') === undefined);
    await library.stop();
    expect(existsSync(join(folder, 'gigantic.png'))).toBe(true);
  });
});
