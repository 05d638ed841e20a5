import { cpSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, SMALL_TEST_INPUT, startDaemon, tempDir } from '../helpers/daemon-process.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

/**
 * A model file replaced with garbage while the daemon runs (on a temp copy of the models folder:
 * ../shared is never touched). Loaded models keep working; loading the garbage (an effect switch)
 * is a one-line typed error and the running effect keeps producing frames.
 */

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface CommandReply {
  ok: boolean;
  error?: { code: string; message: string };
}

describe('model files replaced with garbage while running', () => {
  const dir = tempDir();
  const models = join(dir.path, 'models');
  let daemon: RunningDaemon;

  beforeAll(async () => {
    cpSync(MODELS_DIR, models, { recursive: true });
    daemon = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--effect', 'blur-background', '--no-obs'],
      // A private cache, so no imported ONNX from an earlier run hides the garbage.
      env: { STYLECAST_MODELS: models, STYLECAST_CACHE: join(dir.path, 'cache') },
      readyTimeoutMs: 45_000,
    });
    await daemon.waitForFrames(10, 20_000);
  }, 45_000);

  afterAll(async () => {
    await daemon?.stop();
    dir.remove();
  });

  it('the running effect keeps producing frames; loading the garbage is a typed one-line error', async () => {
    const status = await daemon.api<{ effect: { name: string } }>('/api/v1/status');
    expect(status.effect.name).toBe('blur-background');
    for (const file of filesUnder(models)) {
      if (/\.(onnx|tflite)$/.test(file)) writeFileSync(file, Buffer.alloc(4096, 0x6b));
    }
    await daemon.waitForFrames(5, 5000);
    for (const name of ['mask', 'style-background']) {
      const reply = await daemon.api<CommandReply>('/api/v1/commands', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'effect', name }),
      });
      console.info(
        `effect ${name} with garbage models: ${JSON.stringify(reply.ok ? 'accepted' : reply.error)}`,
      );
      // Either refused with a typed error, or accepted with a fallback that says so; never a crash.
      if (!reply.ok) {
        expect(reply.error?.code).toMatch(/unavailable|bad_request|failed/);
        expect(reply.error?.message.split('\n')).toHaveLength(1);
      }
      await daemon.waitForFrames(5, 5000);
    }
    const after = await daemon.api<{ state: string }>('/api/v1/status');
    expect(after.state).toBe('running');
    expect(daemon.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  }, 30_000);
});
