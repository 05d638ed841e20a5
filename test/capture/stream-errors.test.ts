import { describe, expect, it } from 'vitest';
import { streamUrlError } from '../../src/capture/stream-errors.ts';

// ffmpeg 5-6's own stderr lines for each case (loglevel error), as the capture keeps them (' | ' joined).
describe('stream URL errors from ffmpeg stderr (pure)', () => {
  const what = 'stream http://cam.lan/live.ts';

  it('a name that does not resolve names the host', () => {
    const e = streamUrlError(
      '[tcp @ 0x5601dd655e80] Failed to resolve hostname cam.lan: Name or service not known | http://cam.lan/live.ts: Input/output error',
      what,
    );
    expect(e?.message).toBe(
      "stream http://cam.lan/live.ts: cannot find the host 'cam.lan' (the name does not resolve)",
    );
  });

  it('an HTTP status is quoted, with a hint per kind', () => {
    const notFound = streamUrlError('http://cam.lan/live.ts: Server returned 404 Not Found', what);
    expect(notFound?.message).toBe('stream http://cam.lan/live.ts: the server answered 404 Not Found');
    expect(notFound?.hint).toMatch(/only while it is live/);
    const forbidden = streamUrlError(
      'http://cam.lan/live.ts: Server returned 403 Forbidden (access denied)',
      what,
    );
    expect(forbidden?.hint).toMatch(/stream key or the credentials/);
    expect(streamUrlError('x: Server returned 5XX Server Error reply', what)).toBeUndefined();
  });

  it('refused and timed-out connections say which; anything else is left to the caller', () => {
    expect(streamUrlError('rtmp://127.0.0.1:1/live: Connection refused', what)?.message).toMatch(
      /: connection refused \(nothing listens at that host and port\)$/,
    );
    expect(
      streamUrlError('[tcp @ 0x1] Connection to tcp://10.0.0.9:1935 failed: Connection timed out', what)
        ?.message,
    ).toMatch(/: the connection timed out$/);
    expect(streamUrlError('srt://127.0.0.1:1: Input/output error', what)).toBeUndefined();
  });
});
