import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/core/errors.ts';
import { modelEntry, type PullProgress, pullModel, sha256File } from '../../src/inference/registry/index.ts';
import { MODELS_DIR } from '../helpers/shared.ts';
import { type ModelServer, startModelServer, startSilentServer } from './pull-server.ts';

// Real HTTP on 127.0.0.1 serving ../shared/models: download, resume, checksum, 404 — into a temp folder.
const SINET = modelEntry('sinet');
let server: ModelServer;
let dir: string;

beforeAll(async () => {
  server = await startModelServer(MODELS_DIR);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stylecast-pull-'));
  server.requests.length = 0;
  return () => rm(dir, { recursive: true, force: true });
});

const pull = (name: string, events: PullProgress[] = []) =>
  pullModel(name, { modelsDir: dir, baseUrl: server.baseUrl, onProgress: (e) => events.push(e) });

async function expectError(promise: Promise<unknown>): Promise<StylecastError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StylecastError);
  return error as StylecastError;
}

describe('models pull', () => {
  it('downloads, reports progress initiate → download → progress → done, verifies, then skips', async () => {
    const events: PullProgress[] = [];
    const result = await pull('sinet', events);
    const target = join(dir, SINET.file);
    expect(result).toMatchObject({ path: target, downloaded: SINET.size, skipped: false, resumed: false });
    expect(await sha256File(target)).toBe(SINET.sha256);
    expect(existsSync(`${target}.part`)).toBe(false);
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe('initiate');
    expect(statuses[1]).toBe('download');
    expect(statuses.at(-1)).toBe('done');
    const last = events.filter((e) => e.status === 'progress').at(-1);
    expect(last).toMatchObject({ loaded: SINET.size, total: SINET.size });

    const again = await pull('sinet');
    expect(again).toMatchObject({ skipped: true, downloaded: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('resumes with a Range request after the connection is cut mid-transfer', async () => {
    server.cut(SINET.file, 100_000);
    const result = await pull('sinet');
    expect(result.resumed).toBe(true);
    expect(await sha256File(result.path)).toBe(SINET.sha256);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].range).toBeUndefined();
    // Whatever arrived before the cut (at most 100000 bytes) is not fetched again.
    const from = Number(/bytes=(\d+)-/.exec(server.requests[1].range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(100_000);
    expect(result.downloaded).toBe(SINET.size);
  });

  it('gives up on a stalled transfer after the idle timeout and resumes', async () => {
    server.cut(SINET.file, 64_000, 1, 'hang');
    const started = performance.now();
    const result = await pullModel('sinet', { modelsDir: dir, baseUrl: server.baseUrl, idleTimeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.resumed).toBe(true);
    expect(server.requests[1].range).toMatch(/^bytes=\d+-$/);
    expect(await sha256File(result.path)).toBe(SINET.sha256);
  });

  it('resumes a .part left by an earlier run and fetches only the rest', async () => {
    const target = join(dir, SINET.file);
    await mkdir(dirname(target), { recursive: true });
    const half = readFileSync(join(MODELS_DIR, SINET.file)).subarray(0, 150_000);
    writeFileSync(`${target}.part`, half);
    const result = await pull('sinet');
    expect(server.requests[0].range).toBe('bytes=150000-');
    expect(result).toMatchObject({ resumed: true, downloaded: SINET.size - 150_000 });
    expect(await sha256File(target)).toBe(SINET.sha256);
  });

  it('keeps the .part and says how to resume when every attempt is cut', async () => {
    server.cut(SINET.file, 50_000, 3);
    const error = await expectError(
      pullModel('sinet', { modelsDir: dir, baseUrl: server.baseUrl, attempts: 3 }),
    );
    expect(error.key).toBe('MODEL_DOWNLOAD');
    expect(error.message).toMatch(/connection lost/);
    expect(error.hint).toMatch(/resumes from .*\.part/);
    const target = join(dir, SINET.file);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(true);
    // The next pull finishes from there.
    const result = await pull('sinet');
    expect(result.resumed).toBe(true);
    expect(await sha256File(target)).toBe(SINET.sha256);
  });

  it('rejects a file whose sha256 differs, deletes the partial download and installs nothing', async () => {
    const bytes = Buffer.from(readFileSync(join(MODELS_DIR, SINET.file)));
    bytes[1000] ^= 0xff;
    server.replace(SINET.file, bytes);
    try {
      const error = await expectError(pull('sinet'));
      expect(error.key).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain(SINET.sha256);
      expect(error.message).toContain(server.baseUrl);
      const target = join(dir, SINET.file);
      expect(existsSync(target)).toBe(false);
      expect(existsSync(`${target}.part`)).toBe(false);
    } finally {
      server.replace(SINET.file, readFileSync(join(MODELS_DIR, SINET.file)));
    }
  });

  it('reports a 404 as a clear download error', async () => {
    const error = await expectError(
      pullModel('sinet', { modelsDir: dir, baseUrl: `${server.baseUrl}/nowhere` }),
    );
    expect(error.key).toBe('MODEL_DOWNLOAD');
    expect(error.message).toMatch(/cannot download 'sinet': .*HTTP 404/);
    expect(existsSync(join(dir, SINET.file))).toBe(false);
  });

  it('reports a refused connection as a clear download error', async () => {
    const closed = await startModelServer(MODELS_DIR);
    await closed.close();
    const error = await expectError(
      pullModel('sinet', { modelsDir: dir, baseUrl: closed.baseUrl, attempts: 1 }),
    );
    expect(error.key).toBe('MODEL_DOWNLOAD');
    expect(error.message).toMatch(/cannot connect \(ECONNREFUSED\)/);
  });
});

describe('models pull on a network that eats the connection', () => {
  it('says the server accepted the connection but sent nothing, and does not retry it 3 times', async () => {
    const silent = await startSilentServer();
    try {
      const events: PullProgress[] = [];
      const started = performance.now();
      const error = await expectError(
        pullModel('sinet', {
          modelsDir: dir,
          baseUrl: silent.baseUrl,
          idleTimeoutMs: 300,
          onProgress: (e) => events.push(e),
        }),
      );
      // Before: three 30 s attempts per URL, then "cannot connect (no data for 30000 ms)".
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(error.key).toBe('MODEL_DOWNLOAD');
      expect(error.message).toMatch(
        /^cannot download 'sinet': http:\/\/127\.0\.0\.1:\d+\/\S+: the server accepted the connection but sent nothing for 300 ms$/,
      );
      expect(error.message).not.toMatch(/cannot connect/);
      expect(error.hint).toMatch(/check the network.*--base-url.*STYLECAST_MODELS_BASE_URL/);
      expect(silent.requests()).toBe(1);
      expect(existsSync(join(dir, SINET.file))).toBe(false);
    } finally {
      await silent.close();
    }
  });

  it('gives a model up once fruitless attempts add up to twice the idle timeout, one retry event each', async () => {
    // A head and then nothing: each attempt is worth retrying (it might resume), but not forever.
    const stalls = await startSilentServer({ headers: true });
    try {
      const events: PullProgress[] = [];
      const started = performance.now();
      const error = await expectError(
        pullModel('sinet', {
          modelsDir: dir,
          baseUrl: stalls.baseUrl,
          idleTimeoutMs: 400,
          attempts: 10,
          onProgress: (e) => events.push(e),
        }),
      );
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(750);
      expect(elapsed).toBeLessThan(3_000);
      expect(error.message).toMatch(
        /the transfer stalled after 0 bytes \(nothing for \d+ ms\) \(gave up after /,
      );
      const retries = events.filter((e) => e.status === 'retry');
      expect(retries).toHaveLength(stalls.requests() - 1);
      expect(retries[0]).toMatchObject({ next: 'trying again (2 of 10)' });
      expect(stalls.requests()).toBe(2);
    } finally {
      await stalls.close();
    }
  });
});
