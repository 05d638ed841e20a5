import { extname } from 'node:path';
import { StylecastError } from '../core/errors.ts';

/**
 * Pure argument building for the recorder ffmpeg: raw RGBA frames on stdin become H.264 in MKV or
 * fragmented MP4 (crash-safe: keyframes and clusters/fragments at most 1 s apart, so a kill -9 loses
 * at most the last second), or VP9 with alpha in WebM / ProRes 4444 in MOV for transparent output.
 */

export type Container = 'mkv' | 'mp4' | 'webm' | 'mov';

export const HARDWARE_ENCODERS = ['h264_nvenc', 'h264_vaapi', 'h264_videotoolbox', 'h264_qsv'] as const;

export interface RecorderArgsOptions {
  path: string;
  width: number;
  height: number;
  fps: number;
  /** libx264 or one of HARDWARE_ENCODERS (H.264 containers only; alpha containers pick their own). */
  encoder: string;
  crf: number;
  preset: string;
  /**
   * live ('wallclock'): the Recorder paces frames to the wall clock (duplicating or skipping so that
   * frame k belongs at k/fps since the recording started), and x264 runs with zero latency;
   * constant (render): every input frame once, frame k at k/fps.
   * Both reach ffmpeg as constant-rate raw video: stamping by arrival time (-use_wallclock_as_timestamps)
   * lost the encoder's start-up second, so a 3 s recording came out ~2 s long.
   */
  timing: 'wallclock' | 'constant';
  /** Copy the audio of this file into the recording (file inputs only). */
  audioFrom?: { path: string; loop: boolean };
}

export function containerFor(path: string): Container {
  const ext = extname(path).toLowerCase();
  if (ext === '.mkv') return 'mkv';
  if (ext === '.mp4' || ext === '.m4v') return 'mp4';
  if (ext === '.webm') return 'webm';
  if (ext === '.mov') return 'mov';
  throw new StylecastError(
    'BAD_ARGUMENT',
    `cannot record to '${path}': unknown extension '${ext || '(none)'}'`,
    'use .mkv or .mp4 (H.264), or .webm / .mov for video with a transparent background',
  );
}

/** True when the container keeps an alpha channel (transparent-background output). */
export const keepsAlpha = (container: Container): boolean => container === 'webm' || container === 'mov';

export function buildRecorderArgs(o: RecorderArgsOptions): string[] {
  const container = containerFor(o.path);
  const keyint = Math.max(1, Math.round(o.fps));
  // -y: a live recording writes into the empty file the Recorder created under a free name (it never
  // replaces one); render's output is an explicit target, which it replaces (never its input).
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  if (o.encoder === 'h264_vaapi') args.push('-vaapi_device', '/dev/dri/renderD128');
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${o.width}x${o.height}`, '-r', String(o.fps));
  args.push('-i', 'pipe:0');
  if (o.audioFrom) {
    if (o.audioFrom.loop) args.push('-stream_loop', '-1');
    args.push('-i', o.audioFrom.path);
  }
  args.push('-map', '0:v:0');
  if (o.audioFrom) args.push('-map', '1:a:0?', ...audioCodec(container));
  args.push(...videoCodec(container, o));
  // Keyframes at most 1 s apart.
  args.push('-g', String(keyint), '-force_key_frames', 'expr:gte(t,n_forced*1)');
  args.push('-fps_mode', 'passthrough');
  if (o.audioFrom?.loop) args.push('-shortest');
  args.push(...muxer(container), o.path);
  return args;
}

/** A tiny encode with `encoder` (nothing written): tells whether a hardware encoder works here. */
export function encoderProbeArgs(encoder: string): string[] {
  const probe: RecorderArgsOptions = {
    path: 'probe.mkv',
    width: 256,
    height: 256,
    fps: 30,
    encoder,
    crf: 23,
    preset: 'veryfast',
    timing: 'constant',
  };
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...(encoder === 'h264_vaapi' ? ['-vaapi_device', '/dev/dri/renderD128'] : []),
    ...['-f', 'lavfi', '-i', 'color=c=black:s=256x256:r=30:d=0.2'],
    ...videoCodec('mkv', probe),
    ...['-f', 'null', '-'],
  ];
}

/** The video codec a recording ends up with (webm and mov pick theirs; an unknown encoder is refused by config). */
export function videoCodecName(container: Container, encoder: string): string {
  if (container === 'webm') return 'libvpx-vp9';
  if (container === 'mov') return 'prores_ks';
  return encoder;
}

function videoCodec(container: Container, o: RecorderArgsOptions): string[] {
  if (container === 'webm')
    return [
      ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', '-b:v', '0', '-crf', String(Math.max(o.crf, 24))],
      ...['-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1'],
    ];
  if (container === 'mov')
    return ['-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuva444p10le', '-alpha_bits', '8'];
  const bitrate = `${Math.max(1, Math.round((o.width * o.height * o.fps * 0.12) / 1e6))}M`;
  switch (o.encoder) {
    case 'h264_nvenc':
      return [
        '-c:v',
        'h264_nvenc',
        '-preset',
        'p4',
        '-rc',
        'vbr',
        '-cq',
        String(o.crf),
        '-pix_fmt',
        'yuv420p',
      ];
    case 'h264_vaapi':
      return ['-vf', 'format=nv12,hwupload', '-c:v', 'h264_vaapi', '-qp', String(o.crf)];
    case 'h264_qsv':
      return ['-c:v', 'h264_qsv', '-global_quality', String(o.crf), '-pix_fmt', 'nv12'];
    case 'h264_videotoolbox':
      return ['-c:v', 'h264_videotoolbox', '-b:v', bitrate, '-pix_fmt', 'yuv420p'];
    default:
      return [
        ...['-c:v', 'libx264', '-preset', o.preset, '-crf', String(o.crf), '-pix_fmt', 'yuv420p'],
        // Live: no lookahead or B-frame delay, so a kill -9 loses at most the open second (not 1.5 s).
        ...(o.timing === 'wallclock' ? ['-tune', 'zerolatency'] : []),
      ];
  }
}

function audioCodec(container: Container): string[] {
  if (container === 'mkv') return ['-c:a', 'copy'];
  if (container === 'webm') return ['-c:a', 'libopus', '-b:a', '128k'];
  return ['-c:a', 'aac', '-b:a', '160k'];
}

function muxer(container: Container): string[] {
  switch (container) {
    case 'mkv':
    case 'webm':
      // Matroska keeps a cluster in memory until it closes: close one at least every second.
      return [
        ...['-f', container === 'mkv' ? 'matroska' : 'webm'],
        ...['-cluster_time_limit', '1000', '-cluster_size_limit', '4000000', '-flush_packets', '1'],
      ];
    case 'mp4':
    case 'mov':
      // Fragmented: an empty moov up front and a self-contained fragment per second.
      return [
        ...['-f', container],
        ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'],
        ...['-flush_packets', '1'],
      ];
  }
}
