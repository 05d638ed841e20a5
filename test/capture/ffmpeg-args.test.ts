import { describe, expect, it } from 'vitest';
import {
  buildCaptureArgs,
  type CaptureArgsOptions,
  cameraInputArgs,
  parseInputSpec,
  redactUrl,
  resolutionProblem,
} from '../../src/capture/ffmpeg-args.ts';

const base: CaptureArgsOptions = {
  width: 1280,
  height: 720,
  fps: 30,
  realtime: true,
  loop: false,
  constantRate: true,
  platform: 'linux',
};

describe('parseInputSpec', () => {
  it.each([
    ['test', { kind: 'test' }],
    ['auto', { kind: 'auto' }],
    ['camera', { kind: 'camera' }],
    ['camera:HD Pro Webcam C920', { kind: 'camera', name: 'HD Pro Webcam C920' }],
    ['/dev/video2', { kind: 'camera', name: '/dev/video2' }],
    ['rtsp://cam.local/stream', { kind: 'url', url: 'rtsp://cam.local/stream' }],
    ['srt://1.2.3.4:9000', { kind: 'url', url: 'srt://1.2.3.4:9000' }],
    ['./clip.mp4', { kind: 'file', path: './clip.mp4' }],
    ['file:C:\\videos\\a.mp4', { kind: 'file', path: 'C:\\videos\\a.mp4' }],
  ])('%s', (input, spec) => expect(parseInputSpec(input)).toEqual(spec));
});

describe('buildCaptureArgs', () => {
  it('test pattern: realtime lavfi testsrc2 at the asked size, raw RGBA to stdout', () => {
    const args = buildCaptureArgs({ kind: 'test' }, base);
    expect(args.join(' ')).toContain('-re -f lavfi -i testsrc2=size=1280x720:rate=30');
    expect(args.slice(-5)).toEqual(['-pix_fmt', 'rgba', '-f', 'rawvideo', 'pipe:1']);
    expect(args.join(' ')).toContain('-fps_mode cfr -r 30');
  });

  it('file: loop and realtime flags come before -i; offline keeps every frame', () => {
    const live = buildCaptureArgs({ kind: 'file', path: 'a.mp4' }, { ...base, loop: true });
    expect(live.join(' ')).toContain('-re -thread_type slice -stream_loop -1 -i a.mp4');
    const offline = buildCaptureArgs(
      { kind: 'file', path: 'a.mp4' },
      { ...base, realtime: false, constantRate: false },
    );
    expect(offline).not.toContain('-re');
    // A render keeps ffmpeg's frame threads (throughput); only live decoding trades them for latency.
    expect(offline).not.toContain('-thread_type');
    expect(offline.join(' ')).toContain('-fps_mode passthrough');
  });

  it('always scales and pads to exactly the configured size', () => {
    const vf = buildCaptureArgs({ kind: 'file', path: 'a.mp4' }, { ...base, width: 640, height: 360 });
    expect(vf[vf.indexOf('-vf') + 1]).toBe(
      'scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1',
    );
  });

  it('live cameras and streams decode with slice threads only (no frames held back)', () => {
    for (const spec of [
      { kind: 'url', url: 'srt://x:9000' },
      { kind: 'camera', name: '/dev/video0' },
    ] as const) {
      const args = buildCaptureArgs(spec, base);
      expect(args.indexOf('-thread_type')).toBeGreaterThanOrEqual(0);
      expect(args[args.indexOf('-thread_type') + 1]).toBe('slice');
      expect(args.indexOf('-thread_type')).toBeLessThan(args.indexOf('-i'));
    }
  });

  it('rtsp goes over tcp', () => {
    expect(buildCaptureArgs({ kind: 'url', url: 'rtsp://x/y' }, base).join(' ')).toContain(
      '-rtsp_transport tcp',
    );
  });

  it('cameras per OS', () => {
    expect(cameraInputArgs('linux', '/dev/video0', 1280, 720, 30)).toEqual([
      ...['-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720', '-i', '/dev/video0'],
    ]);
    expect(cameraInputArgs('darwin', '0', 1280, 720, 30).slice(-2)).toEqual(['-i', '0:none']);
    expect(cameraInputArgs('win32', 'Integrated Camera', 1280, 720, 30).slice(-2)).toEqual([
      '-i',
      'video=Integrated Camera',
    ]);
  });
});

describe('resolutionProblem / redactUrl', () => {
  it('accepts even sizes in range, rejects the rest', () => {
    expect(resolutionProblem(1280, 720)).toBeUndefined();
    expect(resolutionProblem(1281, 720)).toMatch(/odd/);
    expect(resolutionProblem(8, 720)).toMatch(/outside/);
    expect(resolutionProblem(Number.NaN, 720)).toMatch(/whole/);
  });

  it('hides passwords in URLs', () => {
    expect(redactUrl('rtsp://admin:secret@cam/live')).toBe('rtsp://admin:***@cam/live');
  });
});
