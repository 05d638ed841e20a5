import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/control/api/errors.ts';
import {
  checkAccess,
  checkOrigin,
  hostnameOf,
  isLoopbackHost,
  RateLimiter,
  resolveToken,
} from '../../src/control/api/security.ts';
import { reencodeStyleImage, storeStyleImage, styleStem } from '../../src/control/api/upload.ts';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as ApiError).code;
  }
};

describe('access rules', () => {
  it('knows loopback names', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'panel.localhost'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.5', 'evil.example', '127.0.0.1.evil.example', '::'])
      expect(isLoopbackHost(h), h).toBe(false);
    expect(hostnameOf('[::1]:8790')).toBe('[::1]');
    expect(hostnameOf('localhost:8790')).toBe('localhost');
  });

  it('checks Host on loopback and the token elsewhere', () => {
    const url = (q = '') => new URL(`http://x/api/v1/status${q}`);
    expect(codeOf(() => checkAccess({ loopback: true }, { host: 'localhost:1' }, url()))).toBeUndefined();
    expect(codeOf(() => checkAccess({ loopback: true }, { host: 'attacker.example:1' }, url()))).toBe(
      'forbidden_origin',
    );
    const lan = { loopback: false, token: 'secret-token-123456' };
    expect(codeOf(() => checkAccess(lan, { host: '10.0.0.2:1' }, url()))).toBe('unauthorized');
    expect(codeOf(() => checkAccess(lan, { host: '10.0.0.2:1' }, url('?token=nope')))).toBe('unauthorized');
    expect(
      codeOf(() => checkAccess(lan, { host: '10.0.0.2:1' }, url('?token=secret-token-123456'))),
    ).toBeUndefined();
    expect(
      codeOf(() => checkAccess(lan, { host: 'h', authorization: 'Bearer secret-token-123456' }, url())),
    ).toBeUndefined();
  });

  it('lets non-browser clients and our own origin through, nobody else', () => {
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790' }))).toBeUndefined();
    expect(
      codeOf(() => checkOrigin({ host: '127.0.0.1:8790', origin: 'http://127.0.0.1:8790' })),
    ).toBeUndefined();
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790', 'sec-fetch-site': 'none' }))).toBeUndefined();
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790', origin: 'http://localhost:8790' }))).toBe(
      'forbidden_origin',
    );
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790', origin: 'null' }))).toBe('forbidden_origin');
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790', 'sec-fetch-site': 'same-site' }))).toBe(
      'forbidden_origin',
    );
    expect(codeOf(() => checkOrigin({ host: '127.0.0.1:8790', origin: '::garbage' }))).toBe(
      'forbidden_origin',
    );
  });

  it('keeps a generated token across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylecast-token-'));
    try {
      const first = resolveToken({ configDir: dir });
      const second = resolveToken({ configDir: dir });
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ token: first.token, created: false });
      expect(resolveToken({ configDir: dir, configured: 'from-config' }).token).toBe('from-config');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rate-limits per client with a burst and a refill', () => {
    const limiter = new RateLimiter(6, 2);
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([true, true, false]);
    expect(limiter.take('b', 0)).toBe(true);
    expect(limiter.take('a', 10_000)).toBe(true); // 6/min refills one in 10 s
  });
});

describe('uploads', () => {
  it('names files from a safe stem, never from the path', () => {
    expect(styleStem('../../etc/passwd')).toBe('passwd');
    expect(styleStem('C:\\Users\\me\\Van Gogh – Starry Night.JPG')).toBe('van-gogh-starry-night');
    expect(styleStem('....')).toBe('style');
    expect(styleStem('')).toBe('style');
  });

  it('re-encodes images and drops what was appended to them', async () => {
    const png = await sharp({ create: { width: 2000, height: 1000, channels: 4, background: '#00ff0080' } })
      .png()
      .toBuffer();
    const polyglot = Buffer.concat([png, Buffer.from('<script>alert(1)</script>')]);
    const jpeg = await reencodeStyleImage(polyglot);
    expect(jpeg.includes('<script>')).toBe(false);
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 512]);
    await expect(
      reencodeStyleImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ).rejects.toMatchObject({ code: 'bad_image' });
    const tiny = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expect(reencodeStyleImage(tiny)).rejects.toMatchObject({ code: 'bad_image' });
  });

  it('stores under generated names inside the folder and never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylecast-upload-'));
    try {
      const a = await storeStyleImage(dir, Buffer.from('x'), '../evil.jpg');
      const b = await storeStyleImage(dir, Buffer.from('y'), '../evil.jpg');
      expect(a).not.toBe(b);
      expect(readdirSync(dir).sort()).toEqual([a, b].sort());
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
