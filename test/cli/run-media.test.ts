import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneError, runCli, startCli } from './cli-helpers.ts';

// Inputs a streamer points `run --input` at, made here with ffmpeg (never committed).
const dir = mkdtempSync(join(tmpdir(), 'stylecast-run-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ISOLATED = ['--no-obs', '--port', '0', '--effect', 'none', '--width', '320', '--height', '180'];

describe('run --input with media it cannot show (real CLI)', { timeout: 120_000 }, () => {
  it('an audio-only file is one line saying it has no video, not ffmpeg advice about -map', async () => {
    const audio = join(dir, 'voice memo.m4a');
    execFileSync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'sine=d=0.5', '-c:a', 'aac', audio]);
    const result = await runCli(['run', ...ISOLATED, '--input', audio]);
    expectOneError(
      result,
      /^error: file .*voice memo\.m4a has no video stream/,
      /^hint: give a file or stream with video/,
    );
  });

  it('a song with cover art is audio too (the cover picture was streamed as a one-frame video)', async () => {
    const song = join(dir, 'song.m4a');
    // A cover is a one-picture video stream marked as an attached picture.
    execFileSync('ffmpeg', [
      '-y',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=d=1',
      '-f',
      'lavfi',
      '-i',
      'color=red:s=64x64:d=0.04',
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c:a',
      'aac',
      '-c:v',
      'mjpeg',
      '-frames:v',
      '1',
      '-disposition:v:0',
      'attached_pic',
      song,
    ]);
    const result = await runCli(['run', ...ISOLATED, '--input', song]);
    expectOneError(
      result,
      /^error: file .*song\.m4a has no video stream/,
      /^hint: give a file or stream with video/,
    );
  });

  it('a stream URL the server answers 404 for, or where nothing listens, says which (not "ffmpeg could not read")', async () => {
    const http = createHttpServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    try {
      const missing = await runCli(['run', ...ISOLATED, '--input', `http://127.0.0.1:${port}/live.m3u8`]);
      expectOneError(
        missing,
        /^error: stream http:\/\/\S+: the server answered 404 Not Found$/,
        /^hint: check the address/,
      );
    } finally {
      http.close();
    }
    const refused = await runCli(['run', ...ISOLATED, '--input', `rtmp://127.0.0.1:${port}/live`]);
    expectOneError(refused, /^error: stream rtmp:\/\/\S+: connection refused/, /^hint: check the port/);
  });

  it('Ctrl-C while a URL never answers stops run within seconds (it waited for the first frame forever)', async () => {
    const silent = createServer(() => {}); // accepts the connection, never says a word
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const { child, done } = startCli(['run', ...ISOLATED, '--input', `http://127.0.0.1:${port}/live.ts`]);
    try {
      await new Promise((r) => setTimeout(r, 3000)); // the CLI has loaded and ffmpeg is connected
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await done;
      clearTimeout(killer);
      expect(result.signal, 'still running 10 s after Ctrl-C').toBeNull();
      expect(result.stderr).not.toMatch(/looks like a bug|\n\s+at /);
    } finally {
      silent.close();
    }
  });
});
