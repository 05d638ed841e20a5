import { describe, expect, it } from 'vitest';
import {
  type Camera,
  parseAvfoundationDevices,
  parseDshowDevices,
  parseDshowModes,
  parseV4l2Formats,
  resolveCamera,
} from '../../src/capture/devices.ts';
import { StylecastError } from '../../src/core/errors.ts';

describe('device list parsers', () => {
  it('v4l2 formats', () => {
    const text = [
      '[video4linux2,v4l2 @ 0x55] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720',
      '[video4linux2,v4l2 @ 0x55] Compressed:       mjpeg :          Motion-JPEG : 1920x1080 1280x720',
      '/dev/video0: Immediate exit requested',
    ].join('\n');
    expect(parseV4l2Formats(text)).toEqual([
      { format: 'yuyv422', sizes: ['640x480', '1280x720'] },
      { format: 'mjpeg', sizes: ['1920x1080', '1280x720'] },
    ]);
  });

  it('avfoundation keeps video devices, skips screens and audio', () => {
    const text = [
      '[AVFoundation indev @ 0x7f] AVFoundation video devices:',
      '[AVFoundation indev @ 0x7f] [0] FaceTime HD Camera',
      '[AVFoundation indev @ 0x7f] [1] Capture screen 0',
      '[AVFoundation indev @ 0x7f] AVFoundation audio devices:',
      '[AVFoundation indev @ 0x7f] [0] MacBook Pro Microphone',
    ].join('\n');
    expect(parseAvfoundationDevices(text)).toEqual([{ name: 'FaceTime HD Camera', device: '0', modes: [] }]);
  });

  it('dshow devices and modes', () => {
    const devices = '[dshow @ 0x1] "Integrated Camera" (video)\n[dshow @ 0x1] "Microphone" (audio)';
    expect(parseDshowDevices(devices).map((c) => c.name)).toEqual(['Integrated Camera']);
    const modes = [
      '[dshow @ 0x1]   vcodec=mjpeg  min s=1280x720 fps=30 max s=1280x720 fps=30',
      '[dshow @ 0x1]   pixel_format=yuyv422  min s=640x480 fps=5 max s=640x480 fps=30',
    ].join('\n');
    expect(parseDshowModes(modes)).toEqual([
      { format: 'mjpeg', sizes: ['1280x720@30'] },
      { format: 'yuyv422', sizes: ['640x480@30'] },
    ]);
  });
});

describe('resolveCamera', () => {
  const cams: Camera[] = [
    { name: 'HD Pro Webcam C920', device: '/dev/video0', modes: [] },
    { name: 'Elgato Cam Link 4K', device: '/dev/video2', modes: [] },
  ];

  it('by device, index, exact or unique partial name', () => {
    expect(resolveCamera('/dev/video2', cams)?.name).toBe('Elgato Cam Link 4K');
    expect(resolveCamera('1', cams)?.device).toBe('/dev/video2');
    expect(resolveCamera('c920', cams)?.device).toBe('/dev/video0');
    expect(resolveCamera(undefined, cams)?.device).toBe('/dev/video0');
  });

  it('unknown or ambiguous names are DEVICE_NOT_FOUND errors; no cameras and no name is undefined', () => {
    expect(() => resolveCamera('Logitech Brio', cams)).toThrow(StylecastError);
    expect(() => resolveCamera('cam', cams)).toThrow(/matches 2 cameras/);
    expect(() => resolveCamera('x', [])).toThrow(/no cameras were found/);
    expect(resolveCamera(undefined, [])).toBeUndefined();
  });
});
