import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelEntry } from '../../src/inference/registry/index.ts';
import { MODELS_DIR, REPO, STYLES_DIR } from '../helpers/shared.ts';
import { type ModelServer, startModelServer, startSilentServer } from './pull-server.ts';

// The real CLI (node bin/stylecast.js models …) as a child process, against a real local HTTP server.
let server: ModelServer;
let tmp: string;
beforeAll(async () => {
  server = await startModelServer(MODELS_DIR);
  tmp = await mkdtemp(join(tmpdir(), 'stylecast-models-cli-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO, 'bin/stylecast.js'), 'models', ...args],
      {
        cwd: REPO,
        env: {
          ...process.env,
          STYLECAST_MODELS: '',
          STYLECAST_CACHE: join(tmp, 'cache'),
          STYLECAST_STYLES: STYLES_DIR, // paintings there: no tip about getting some
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('stylecast models (CLI)', () => {
  it('list --json shows every model, where it is and that it verifies', async () => {
    const { code, stdout } = await cli(['list', '--json'], { STYLECAST_MODELS: MODELS_DIR });
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      name: string;
      present: boolean;
      verified: boolean;
      source: string;
    }[];
    expect(rows).toHaveLength(10);
    for (const row of rows)
      expect(row).toMatchObject({ present: true, verified: true, source: 'models-dir' });
  });

  it('pull downloads and verifies; verify then flags a damaged file with a one-line error', async () => {
    const dir = join(tmp, 'models');
    const pulled = await cli(['pull', 'sinet', '--models-dir', dir, '--base-url', server.baseUrl]);
    expect(pulled.code).toBe(0);
    const path = join(dir, modelEntry('sinet').file);
    expect(pulled.stdout).toBe(`sinet: 395434 bytes, sha256 ok -> ${path}\n`);
    const ok = await cli(['verify', 'sinet', '--models-dir', dir]);
    expect(ok.stdout).toBe(`sinet: ok (${path})\n`);

    writeFileSync(path, 'not a model');
    const bad = await cli(['verify', '--models-dir', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`sinet: BAD ${path}: truncated: 11 bytes, expected 395434`);
    expect(bad.stderr).toBe(
      'error: 1 model(s) missing or damaged\nhint: run `stylecast models pull <name>` for each one listed above\n',
    );
  });

  it('pull into a setup without paintings ends with how to get some (the style effects need both)', async () => {
    const pulled = await cli(['pull', 'sinet', '--models-dir', MODELS_DIR], {
      STYLECAST_STYLES: join(tmp, 'no-paintings'),
    });
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/^sinet: already present, verified -> /);
    expect(pulled.stdout).toMatch(
      /\ntip: no paintings in .*no-paintings yet: `stylecast styles pull` adds 10 public-domain ones\n$/,
    );
  });

  it('pull of an unknown model or a missing file fails with one line and a hint', async () => {
    const unknown = await cli(['pull', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: unknown model 'nosuch'\nhint: known models: selfie, /);
    const missing = await cli([
      'pull',
      'deeplabv3',
      '--models-dir',
      join(tmp, 'm2'),
      '--base-url',
      `${server.baseUrl}/x`,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot download 'deeplabv3': .*HTTP 404 Not Found\nhint: /);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('pull says what went wrong on each attempt, one line each, even when stderr is not a terminal', async () => {
    const closed = await startModelServer(MODELS_DIR);
    await closed.close();
    const refused = await cli([
      'pull',
      'sinet',
      '--models-dir',
      join(tmp, 'm3'),
      '--base-url',
      closed.baseUrl,
    ]);
    expect(refused.code).toBe(1);
    const lines = refused.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(
        /^sinet: http:\/\/\S+: cannot connect \(ECONNREFUSED\); trying again \(2 of 3\)$/,
      ),
      expect.stringMatching(
        /^sinet: http:\/\/\S+: cannot connect \(ECONNREFUSED\); trying again \(3 of 3\)$/,
      ),
    ]);
    expect(lines[2]).toMatch(/^error: cannot download 'sinet': /);
    expect(lines).toHaveLength(4);

    const silent = await startSilentServer();
    try {
      const started = performance.now();
      const held = await cli([
        'pull',
        'sinet',
        '--models-dir',
        join(tmp, 'm3'),
        '--base-url',
        silent.baseUrl,
        '--timeout',
        '0.5',
      ]);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(held.code).toBe(1);
      expect(held.stderr).toMatch(
        /^error: cannot download 'sinet': \S+: the server accepted the connection but sent nothing for 500 ms\nhint: check the network .*STYLECAST_MODELS_BASE_URL\n$/,
      );
    } finally {
      await silent.close();
    }
  });

  it('import converts a TFLite file to ONNX and reports its tensors; a random file is a clear error', async () => {
    const out = join(tmp, 'landscape.onnx');
    const source = join(MODELS_DIR, modelEntry('selfie-landscape').file);
    const done = await cli(['import', source, '--out', out]);
    expect(done.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(done.stdout).toMatch(/inputs input_1 \[1,144,256,3\]; outputs segment_back \[1,144,256,1\]/);

    const junk = join(tmp, 'junk.tflite');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const failed = await cli(['import', junk, '--out', join(tmp, 'junk.onnx')]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error: junk\.tflite is not a valid TFLite model/);
    expect(existsSync(join(tmp, 'junk.onnx'))).toBe(false);
  });
});
