import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { StyleService } from '../../src/pipeline/style/service.ts';
import { MODELS_DIR, STYLES_DIR } from '../helpers/shared.ts';

const root = mkdtempSync(join(tmpdir(), 'stylecast-prepaint-'));
process.env.STYLECAST_CACHE = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('pre-paint candidates: styles shown before (most recent first), then outward neighbours, never the current one', async () => {
  const config = validateConfig({
    style: { folder: STYLES_DIR, name: 'klee-abstract' },
    inference: { modelsDir: MODELS_DIR },
  });
  const service = new StyleService(config);
  try {
    await service.open();
    const names = () => service.prepaintCandidates().map((c) => c.name);
    const library = service.library.names();
    const at = library.indexOf('klee-abstract');
    // Only the first style has been shown: its library neighbours, next first.
    expect(names().slice(0, 2)).toEqual([library[at + 1], library[at - 1]]);
    await service.setStyle('van-gogh-starry-night');
    await service.setStyle('munch-the-scream');
    const order = names();
    expect(order.slice(0, 2)).toEqual(['van-gogh-starry-night', 'klee-abstract']);
    expect(order).not.toContain('munch-the-scream');
    expect(new Set(order).size).toBe(order.length);
    expect(order.length).toBe(library.length - 1);
  } finally {
    await service.dispose();
  }
}, 60_000);
