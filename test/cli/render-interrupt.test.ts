import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { isStylecastError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { renderFile } from '../../src/pipeline/render.ts';
import { childrenOf } from '../helpers/daemon-process.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { startCli } from './cli-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ctrl-C before the first frame: a stop (exit 130), never a misleading error about the file. */
describe('render stopped before its first frame', { timeout: 120_000 }, () => {
  it('Ctrl-C while ffprobe reads the input (the terminal signals both): stopped, not "not a video"', async () => {
    // A named pipe nobody writes to: ffprobe waits on it until the signal.
    const input = join(dir, 'camera-dump.mp4');
    execFileSync('mkfifo', [input]);
    const output = join(dir, 'never.mp4');
    const { child, done } = startCli(['render', input, output, '--effect', 'none']);
    let ffprobe: number | undefined;
    for (let i = 0; i < 600 && ffprobe === undefined; i++) {
      await sleep(100);
      ffprobe = childrenOf(child.pid!).find((c) => /ffprobe/.test(c.argv[0] ?? ''))?.pid;
    }
    expect(ffprobe, 'ffprobe never started').toBeDefined();
    process.kill(ffprobe!, 'SIGINT');
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(
      /render stopped: reading .*camera-dump\.mp4 was interrupted \(ffprobe got SIGINT\)/,
    );
    expect(result.stderr).not.toMatch(/error|not a video/);
    expect(existsSync(output)).toBe(false);
  });

  it('stopped while the models load: the render starts nothing and writes no file', async () => {
    const output = join(dir, 'not-written.mp4');
    const config = validateConfig({
      effect: { name: 'blur-background' },
      inference: { modelsDir: MODELS_DIR },
    });
    const stop = new AbortController();
    const rendering = renderFile({
      input: media('video', 'person_indoor_576x576_4s.mp4'),
      output,
      config,
      log: silentLogger(),
      effectExplicit: true,
      signal: stop.signal,
    });
    stop.abort(); // before renderFile listens: it must still see it
    const error = await rendering.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStylecastError(error) && error.key).toBe('INTERRUPTED');
    expect((error as Error).message).toMatch(/before the first frame; .*not-written\.mp4 was not written/);
    expect(existsSync(output)).toBe(false);
  });
});
