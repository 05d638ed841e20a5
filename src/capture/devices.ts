import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StylecastError } from '../core/errors.ts';
import type { CapturePlatform } from './ffmpeg-args.ts';

/**
 * Camera discovery per OS. Linux reads /sys/class/video4linux and asks ffmpeg's v4l2 demuxer for
 * modes; macOS and Windows ask ffmpeg (avfoundation / dshow) to list devices. The parsers are pure.
 */

export interface CameraMode {
  format: string;
  sizes: string[];
}

export interface Camera {
  /** What goes after `--input camera:` (also accepted: the device path or index). */
  name: string;
  /** What ffmpeg opens: /dev/videoN on Linux, an index on macOS, the name on Windows. */
  device: string;
  modes: CameraMode[];
}

const SYSFS_V4L = '/sys/class/video4linux';

/** Lines like `[video4linux2,v4l2 @ 0x…] Raw : yuyv422 : YUYV 4:2:2 : 640x480 1280x720`. */
export function parseV4l2Formats(stderr: string): CameraMode[] {
  const modes: CameraMode[] = [];
  for (const line of stderr.split('\n')) {
    const m = /\]\s*(?:Raw|Compressed)\s*:\s*(\S+)\s*:[^:]*:\s*(.+)$/.exec(line);
    if (!m) continue;
    const sizes = m[2].split(/\s+/).filter((s) => /^\d+x\d+$/.test(s) || s.startsWith('{'));
    modes.push({ format: m[1], sizes });
  }
  return modes;
}

/** `ffmpeg -f avfoundation -list_devices true -i ""`: video devices come before "audio devices". */
export function parseAvfoundationDevices(stderr: string): Camera[] {
  const cameras: Camera[] = [];
  let inVideo = false;
  for (const line of stderr.split('\n')) {
    if (/video devices:/i.test(line)) inVideo = true;
    else if (/audio devices:/i.test(line)) inVideo = false;
    else if (inVideo) {
      const m = /\]\s*\[(\d+)\]\s*(.+)$/.exec(line);
      if (m && !/capture screen/i.test(m[2])) cameras.push({ name: m[2].trim(), device: m[1], modes: [] });
    }
  }
  return cameras;
}

/** `ffmpeg -list_devices true -f dshow -i dummy`: lines like `[dshow @ …] "Integrated Camera" (video)`. */
export function parseDshowDevices(stderr: string): Camera[] {
  const cameras: Camera[] = [];
  for (const line of stderr.split('\n')) {
    const m = /\]\s*"([^"]+)"\s*\(video\)/.exec(line);
    if (m) cameras.push({ name: m[1], device: m[1], modes: [] });
  }
  return cameras;
}

/** `ffmpeg -f dshow -list_options true -i video=NAME`: `vcodec=mjpeg  min s=1280x720 fps=5 max s=…`. */
export function parseDshowModes(stderr: string): CameraMode[] {
  const byFormat = new Map<string, Set<string>>();
  for (const line of stderr.split('\n')) {
    const m =
      /(?:pixel_format|vcodec)=(\S+)\s+min s=(\d+x\d+)\s+fps=(\S+)\s+max s=(\d+x\d+)\s+fps=(\S+)/.exec(line);
    if (!m) continue;
    const sizes = byFormat.get(m[1]) ?? new Set<string>();
    sizes.add(m[4] === m[2] ? `${m[2]}@${m[5]}` : `${m[2]}-${m[4]}@${m[5]}`);
    byFormat.set(m[1], sizes);
  }
  return [...byFormat].map(([format, sizes]) => ({ format, sizes: [...sizes] }));
}

function ffmpegStderr(ffmpeg: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // These listing commands always "fail" (no output file): the answer is on stderr.
    execFile(ffmpeg, ['-hide_banner', ...args], { timeout: 10_000 }, (_error, _stdout, stderr) =>
      resolve(String(stderr)),
    );
  });
}

/** Linux capture nodes (index 0 of each device; metadata nodes are skipped). */
function linuxCameraNodes(): { name: string; device: string }[] {
  if (!existsSync(SYSFS_V4L)) return [];
  const nodes: { name: string; device: string }[] = [];
  for (const entry of readdirSync(SYSFS_V4L).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const read = (file: string) => {
      try {
        return readFileSync(join(SYSFS_V4L, entry, file), 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    if ((read('index') ?? '0') !== '0') continue;
    const device = `/dev/${entry}`;
    if (existsSync(device)) nodes.push({ name: read('name') ?? entry, device });
  }
  return nodes;
}

/** Every camera the OS reports, with its modes where ffmpeg can tell them. */
export async function listCameras(ffmpeg: string, platform: CapturePlatform): Promise<Camera[]> {
  if (platform === 'darwin') {
    return parseAvfoundationDevices(
      await ffmpegStderr(ffmpeg, ['-f', 'avfoundation', '-list_devices', 'true', '-i', '']),
    );
  }
  if (platform === 'win32') {
    const cameras = parseDshowDevices(
      await ffmpegStderr(ffmpeg, ['-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']),
    );
    for (const camera of cameras) {
      camera.modes = parseDshowModes(
        await ffmpegStderr(ffmpeg, ['-f', 'dshow', '-list_options', 'true', '-i', `video=${camera.name}`]),
      );
    }
    return cameras;
  }
  const cameras: Camera[] = [];
  for (const node of linuxCameraNodes()) {
    const stderr = await ffmpegStderr(ffmpeg, ['-f', 'v4l2', '-list_formats', 'all', '-i', node.device]);
    cameras.push({ ...node, modes: parseV4l2Formats(stderr) });
  }
  return cameras;
}

/**
 * Picks the camera `camera:NAME` means: an exact device, an index, an exact name, or a unique
 * case-insensitive part of a name. Unknown names are a one-line error listing what exists.
 */
export function resolveCamera(name: string | undefined, cameras: Camera[]): Camera | undefined {
  if (cameras.length === 0) {
    if (name === undefined) return undefined;
    throw new StylecastError(
      'DEVICE_NOT_FOUND',
      `camera '${name}' not found: no cameras were found on this machine`,
      'run `stylecast devices`, or use --input test for the test pattern',
    );
  }
  if (name === undefined) return cameras[0];
  const lower = name.toLowerCase();
  const exact =
    cameras.find((c) => c.device === name || c.name === name) ??
    (/^\d+$/.test(name) ? cameras[Number(name)] : undefined);
  if (exact) return exact;
  const partial = cameras.filter((c) => c.name.toLowerCase().includes(lower));
  if (partial.length === 1) return partial[0];
  throw new StylecastError(
    'DEVICE_NOT_FOUND',
    partial.length > 1
      ? `camera '${name}' matches ${partial.length} cameras: ${partial.map((c) => c.name).join(', ')}`
      : `camera '${name}' not found (found: ${cameras.map((c) => `${c.name} [${c.device}]`).join(', ')})`,
    'run `stylecast devices` and pass a full name: --input camera:NAME',
  );
}
