import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StyleLibrary, type StylePredictor } from '../../src/pipeline/style/library.ts';
import { resolveStyleFile } from '../../src/pipeline/style/resolve.ts';
import { STYLES_DIR } from '../helpers/shared.ts';
import { openCountingPredictor } from '../helpers/style-predictor.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The styles folder as a streamer's file manager changes it while the daemon runs. */

const root = mkdtempSync(join(tmpdir(), 'stylecast-library-folder-'));
const cacheDir = join(root, 'cache');
let predictor: StylePredictor;
let releasePredictor: (() => Promise<void>) | undefined;
let count = 0;

beforeAll(async () => {
  ({ predictor, release: releasePredictor } = await openCountingPredictor());
});

afterAll(async () => {
  await releasePredictor?.();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder holding copies of shared paintings under the given names, written a minute ago (settled). */
function folderWith(files: Record<string, string>): string {
  const folder = join(root, `styles-${count++}`);
  mkdirSync(folder);
  for (const [name, painting] of Object.entries(files)) {
    copyFileSync(join(STYLES_DIR, painting), join(folder, name));
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(join(folder, name), minuteAgo, minuteAgo);
  }
  return folder;
}

async function started(folder: string) {
  const rejected: string[] = [];
  const library = new StyleLibrary({ folder, cacheDir, predictor, debounceMs: 50 });
  library.on('rejected', ({ file }: { file: string }) => rejected.push(file.replace(/^.*\//, '')));
  await library.start();
  return { library, rejected };
}

describe('style library folder changes', () => {
  it('gives a name to the other file once the file holding it is removed', async () => {
    const folder = folderWith({
      'Starry Night.jpg': 'van_gogh_starry_night.jpg',
      'starry-night.png': 'munch_the_scream.jpg',
    });
    const { library, rejected } = await started(folder);
    expect(library.get('starry-night')?.file).toBe(join(folder, 'Starry Night.jpg'));
    expect(rejected).toEqual(['starry-night.png']);
    unlinkSync(join(folder, 'Starry Night.jpg'));
    await waitUntil(() => library.get('starry-night')?.file === join(folder, 'starry-night.png'));
    await library.stop();
  });

  it('keeps a style whose file is renamed to a name that maps to the same style', async () => {
    const folder = folderWith({ 'klee.jpg': 'klee_abstract.jpg' });
    const { library, rejected } = await started(folder);
    renameSync(join(folder, 'klee.jpg'), join(folder, 'Klee.jpg'));
    await waitUntil(() => library.get('klee')?.file === join(folder, 'Klee.jpg'));
    expect(library.names()).toEqual(['klee']);
    expect(rejected).toEqual([]);
    await library.stop();
  });

  it('ignores hidden files (macOS ._ resource forks) without a warning', async () => {
    const folder = folderWith({ 'klee.jpg': 'klee_abstract.jpg' });
    // What macOS leaves beside each file it copies to a USB stick or a share: not an image.
    writeFileSync(join(folder, '._klee.jpg'), Buffer.from('\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X'));
    writeFileSync(join(folder, '.DS_Store'), 'Bud1');
    const { library, rejected } = await started(folder);
    expect(library.names()).toEqual(['klee']);
    expect(rejected).toEqual([]);
    await library.stop();
  });

  it('finds a style by the name as typed, live and for --style', async () => {
    const folder = folderWith({ 'van_gogh_starry_night.jpg': 'van_gogh_starry_night.jpg' });
    const { library } = await started(folder);
    expect(library.get('Van Gogh Starry Night')?.name).toBe('van-gogh-starry-night');
    expect(library.get('VAN_GOGH_STARRY_NIGHT')?.name).toBe('van-gogh-starry-night');
    expect(library.get('van gogh')).toBeUndefined();
    expect(resolveStyleFile('Van Gogh Starry Night', folder)).toBe(join(folder, 'van_gogh_starry_night.jpg'));
    await library.stop();
  });

  it('next and previous go on from where a removed style stood', async () => {
    const folder = folderWith({
      'a.jpg': 'klee_abstract.jpg',
      'b.jpg': 'munch_the_scream.jpg',
      'c.jpg': 'hokusai_great_wave.jpg',
      'd.jpg': 'grasset_art_nouveau.jpg',
    });
    const { library } = await started(folder);
    unlinkSync(join(folder, 'c.jpg')); // the style on screen
    await waitUntil(() => library.get('c') === undefined);
    expect(library.neighbour('c', 1)?.name).toBe('d');
    expect(library.neighbour('c', -1)?.name).toBe('b');
    expect(library.neighbour('e', 1)?.name).toBe('a'); // past the end: wraps
    expect(library.neighbour('e', -1)?.name).toBe('d');
    await library.stop();
  });

  it('reads a transparent painting as shown on white, not by the colours hidden under transparency', async () => {
    const folder = folderWith({});
    const painting = sharp(join(STYLES_DIR, 'klee_abstract.jpg')).resize(256, 256);
    // The right half transparent, hiding red in one file and green in the other; the third is opaque white there.
    const alpha = Buffer.alloc(256 * 256, 255);
    for (let y = 0; y < 256; y++) alpha.fill(0, y * 256 + 128, y * 256 + 256);
    const hiding = async (file: string, colour: string) => {
      const { data } = await painting.clone().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      for (let i = 0; i < 256 * 256; i++)
        if (!alpha[i]) data.set(colour === 'red' ? [255, 0, 0, 0] : [0, 255, 0, 0], i * 4);
      await sharp(data, { raw: { width: 256, height: 256, channels: 4 } })
        .png()
        .toFile(join(folder, file));
    };
    await hiding('red.png', 'red');
    await hiding('green.png', 'green');
    await sharp(join(folder, 'red.png'))
      .flatten({ background: '#ffffff' })
      .png()
      .toFile(join(folder, 'white.png'));
    const { library } = await started(folder);
    const vector = (name: string) => Array.from(library.get(name)?.bottleneck ?? []);
    expect(vector('red')).toEqual(vector('white'));
    expect(vector('green')).toEqual(vector('white'));
    await library.stop();
  });
});
