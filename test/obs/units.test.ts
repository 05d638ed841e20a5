import fc from 'fast-check';
import { OBSWebSocketError } from 'obs-websocket-js/json';
import { describe, expect, it } from 'vitest';
import { customEventFor, parseCustomEvent } from '../../src/control/obs/custom-event.ts';
import { connectError, requestError } from '../../src/control/obs/errors.ts';
import { canvasFitTransform, settingsDiffer } from '../../src/control/obs/install.ts';
import { solidFrame } from '../../src/core/frame.ts';
import { encodeFrameMessage } from '../../src/output/browser-sink.ts';
import { obsMediaSourceSettings } from '../../src/output/obs-sink.ts';
import { ageOf, clock32, drawTimecode, readTimecode, timecodeWidth } from '../../src/output/timecode.ts';

describe('timecode', () => {
  it('round-trips any 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const f = solidFrame(320, 16, [30, 200, 90, 255]);
        drawTimecode(f.data, 320, 16, value);
        return readTimecode(f.data, 320, 16) === value;
      }),
    );
  });

  it('finds no code in a plain frame or one with broken markers', () => {
    const f = solidFrame(320, 16, [255, 255, 255, 255]);
    expect(readTimecode(f.data, 320, 16)).toBeUndefined();
    drawTimecode(f.data, 320, 16, 12345);
    f.data.fill(0, 0, 8 * 4); // blacken the start marker's first block row
    for (let y = 0; y < 8; y++) f.data.fill(0, y * 320 * 4, y * 320 * 4 + 32);
    expect(readTimecode(f.data, 320, 16)).toBeUndefined();
  });

  it('ageOf handles the 32-bit wrap', () => {
    expect(ageOf(2 ** 32 - 10, 5)).toBe(15);
    expect(ageOf(clock32(1_000_000), clock32(1_000_250))).toBe(250);
    expect(timecodeWidth(8)).toBe(288);
  });
});

describe('CustomEvent payload', () => {
  it('accepts every documented command', () => {
    const cases = [
      { command: 'style', name: 'van-gogh-starry-night' },
      { command: 'next-style' },
      { command: 'previous-style' },
      { command: 'strength', value: 0.4 },
      { command: 'effect', name: 'blur-background' },
      { command: 'morph', name: 'the-scream', durationMs: 1500 },
      { command: 'record', action: 'start', target: 'obs' },
    ];
    for (const c of cases) {
      const parsed = parseCustomEvent(customEventFor(c));
      expect(parsed.kind, JSON.stringify(c)).toBe('command');
    }
  });

  it('maps the short aliases next/previous/prev', () => {
    expect(parseCustomEvent({ stylecast: { v: 1, command: 'next' } })).toEqual({
      kind: 'command',
      command: { command: 'next-style' },
    });
    expect(parseCustomEvent({ stylecast: { v: 1, command: 'prev' } })).toMatchObject({
      command: { command: 'previous-style' },
    });
  });

  it('treats events of other tools as foreign and broken stylecast payloads as invalid, never throwing', () => {
    expect(parseCustomEvent({ 'advanced-scene-switcher': { x: 1 } }).kind).toBe('foreign');
    expect(parseCustomEvent(null).kind).toBe('foreign');
    expect(parseCustomEvent('text').kind).toBe('foreign');
    expect(parseCustomEvent({ stylecast: { command: 'style', name: 'x' } })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/version undefined/),
    });
    expect(parseCustomEvent({ stylecast: { v: 1, command: 'strength', value: 2 } }).kind).toBe('invalid');
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const r = parseCustomEvent({ stylecast: junk });
        return r.kind === 'invalid' || r.kind === 'command';
      }),
    );
  });
});

describe('installer pure parts', () => {
  it('media source settings are the measured low-latency ones', () => {
    expect(obsMediaSourceSettings(9079)).toMatchObject({
      input: 'tcp://127.0.0.1:9079?listen',
      input_format: 'nut',
      is_local_file: false,
      buffering_mb: 0,
    });
  });

  it('settingsDiffer only looks at the keys stylecast sets', () => {
    const wanted = obsMediaSourceSettings(9079);
    expect(settingsDiffer(wanted, { ...wanted, looping: true })).toBe(false);
    expect(settingsDiffer(wanted, { ...wanted, buffering_mb: 2 })).toBe(true);
  });

  it('fits to the canvas with inner-scaled bounds from the top-left', () => {
    expect(canvasFitTransform(1920, 1080)).toMatchObject({
      boundsType: 'OBS_BOUNDS_SCALE_INNER',
      boundsWidth: 1920,
      boundsHeight: 1080,
      positionX: 0,
      positionY: 0,
    });
  });
});

describe('connection errors', () => {
  it('auth failures name the fix and never the password', () => {
    const e = connectError(
      Object.assign(new Error('Authentication failed.'), { code: 4009 }),
      'ws://h:4455',
      true,
    );
    expect(e.key).toBe('OBS_AUTH');
    expect(e.message).toBe('OBS at ws://h:4455 rejected the obs-websocket password');
    const none = connectError(Object.assign(new Error(''), { code: 4009 }), 'ws://h:4455', false);
    expect(none.message).toMatch(/requires an obs-websocket password and none was given/);
  });

  it('a refused connection to a remote host says OBS is not reachable', () => {
    const e = connectError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 1006 }),
      'ws://10.0.0.9:4455',
      true,
    );
    expect(e.key).toBe('OBS_UNREACHABLE');
    expect(e.message).toBe(
      'OBS is not reachable at ws://10.0.0.9:4455 (not running, or its WebSocket server is off)',
    );
  });

  it('a host name that does not resolve is named as such, not "not running"', () => {
    // What obs-websocket-js 5 throws for it (OBSWebSocketError code -1, the socket's message).
    const e = connectError(
      new OBSWebSocketError(-1, 'getaddrinfo ENOTFOUND obs-pc.lan'),
      'ws://obs-pc.lan:4455',
      false,
    );
    expect(e.key).toBe('OBS_UNREACHABLE');
    expect(e.message).toBe(
      "cannot find the host 'obs-pc.lan' of obs.url ws://obs-pc.lan:4455 (the name does not resolve)",
    );
    expect(e.hint).toMatch(/typo/);
    const noDns = connectError(
      new OBSWebSocketError(-1, 'getaddrinfo EAI_AGAIN obs-pc.lan'),
      'ws://obs-pc.lan:4455',
      false,
    );
    expect(noDns.message).toMatch(/no DNS answer\)$/);
  });
});

describe('request errors (what obs-websocket-js throws when OBS refuses a request)', () => {
  // obs-websocket-js throws new OBSWebSocketError(requestStatus.code, requestStatus.comment);
  // OBS leaves the comment out for many codes, so the message is then ''.
  const refused = (code: number, comment?: string) => new OBSWebSocketError(code, comment as string);

  it('StopRecord 501 without a comment says OBS is not recording, not "no reason given"', () => {
    const e = requestError('StopRecord', refused(501));
    expect(e.key).toBe('OBS_REQUEST');
    expect(e.message).toBe('OBS refused StopRecord (code 501): OBS is not recording');
    expect(e.hint).toBe('nothing to stop');
    expect(requestError('StartRecord', refused(500)).message).toBe(
      'OBS refused StartRecord (code 500): OBS is already recording',
    );
    expect(requestError('StopStream', refused(501)).message).toMatch(/OBS is not streaming$/);
  });

  it("common codes get a plain reason and a hint of their own; OBS's comment is kept", () => {
    const notFound = requestError(
      'GetInputSettings',
      refused(600, 'No source was found by the name of `stylecast feed`.'),
    );
    expect(notFound.message).toBe(
      'OBS refused GetInputSettings (code 600): no such scene, source or input: No source was found by the name of `stylecast feed`.',
    );
    expect(notFound.hint).toMatch(/stylecast obs status/);
    const exists = requestError('CreateScene', refused(601, 'A source already exists by that scene name.'));
    expect(exists.message).toMatch(
      /\(code 601\): a scene, source or input of that name already exists: A source/,
    );
    expect(exists.hint).toMatch(/share one namespace/);
    expect(requestError('SetInputSettings', refused(604)).message).toMatch(/in the wrong state/);
    expect(requestError('GetSourceScreenshot', refused(702)).hint).toMatch(/no frame yet/);
    // One hint per meaning, not one for every code.
    const hints = new Set([500, 501, 600, 601, 604, 702, 204].map((c) => requestError('X', refused(c)).hint));
    expect(hints.size).toBe(7);
  });

  it("an unknown code keeps OBS's comment; no code and no comment says so", () => {
    expect(requestError('X', refused(999, 'odd')).message).toBe('OBS refused X (code 999): odd');
    expect(requestError('X', new Error('')).message).toBe('OBS refused X: no reason given');
  });
});

describe('browser frame message', () => {
  it('is a 12-byte little-endian header and the pixels', () => {
    const m = encodeFrameMessage(solidFrame(3, 2, [1, 2, 3, 4], 77));
    expect(m.length).toBe(12 + 24);
    expect([m.readUInt32LE(0), m.readUInt32LE(4), m.readUInt32LE(8)]).toEqual([3, 2, 77]);
    expect([...m.subarray(12, 16)]).toEqual([1, 2, 3, 4]);
  });
});
