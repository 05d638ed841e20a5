import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OkCommandResponse } from '../../src/control/api/schema.ts';
import { type Harness, startHarness } from './harness.ts';

/** Uploads as a streamer makes them from the panel: double clicks, retries, then straight to the style. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const upload = async (name: string, body: Buffer) => {
  const res = await fetch(`${h.base}/api/v1/styles?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body: new Uint8Array(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { style: { name: string } }).style.name;
};

describe('style uploads', () => {
  it('the same picture uploaded twice is one style; it can be set at once', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#cc6633' } })
      .png()
      .toBuffer();
    const first = await upload('Sunset.png', png);
    const again = await upload('Sunset.png', png);
    expect(again).toBe(first);
    expect(readdirSync(h.styleDir).filter((f) => f.startsWith('sunset-'))).toEqual([`${first}.jpg`]);
    const set = await fetch(`${h.base}/api/v1/style/set?name=${first}`);
    const body = await set.json();
    expect(set.status, JSON.stringify(body)).toBe(200);
    expect(OkCommandResponse.parse(body).status.style.name).toBe(first);
  });
});
