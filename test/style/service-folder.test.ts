import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { StyleService } from '../../src/pipeline/style/service.ts';
import { MODELS_DIR, STYLES_DIR } from '../helpers/shared.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The live style service (real models) while the streamer changes the styles folder. */

const root = mkdtempSync(join(tmpdir(), 'stylecast-service-folder-'));
process.env.STYLECAST_CACHE = join(root, 'cache');
const folder = join(root, 'styles');
let service: StyleService;

beforeAll(async () => {
  mkdirSync(folder);
  copyFileSync(join(STYLES_DIR, 'klee_abstract.jpg'), join(folder, 'a.jpg'));
  copyFileSync(join(STYLES_DIR, 'munch_the_scream.jpg'), join(folder, 'b.jpg'));
  const config = validateConfig({
    style: { folder, name: 'a' },
    inference: { modelsDir: MODELS_DIR, threads: 1 },
  });
  service = new StyleService(config);
  await service.open();
}, 60_000);

afterAll(async () => {
  await service?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const shown = () => Array.from(service.mixer.styleAt(performance.now()) ?? []);

describe('style service and the styles folder', () => {
  it('shows the new version of the painting on screen when its file is replaced', async () => {
    await service.setStyle('a');
    const before = shown();
    const old = service.library.get('a')?.sha256;
    writeFileSync(join(folder, 'a.jpg'), readFileSync(join(STYLES_DIR, 'hokusai_great_wave.jpg')));
    await waitUntil(() => service.library.get('a')?.sha256 !== old);
    const replaced = Array.from(service.library.get('a')?.bottleneck ?? []);
    expect(replaced).not.toEqual(before);
    await waitUntil(() => shown().every((v, i) => v === replaced[i]));
    expect(service.state().style).toBe('a');
  });
});
