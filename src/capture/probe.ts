import { execFile } from 'node:child_process';
import { StylecastError } from '../core/errors.ts';
import { findFfmpeg } from '../core/ffmpeg.ts';

/** What render (and tests) need to know about a video file, from ffprobe. */
export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  /** Frames in the video stream (counted from the header, or duration x fps when absent). */
  frames: number;
  /** True when the file states its frame count (not estimated from the duration). */
  frameCountKnown: boolean;
  durationS: number;
  hasAudio: boolean;
  /**
   * The frames are not evenly spaced (phones, screen and game clips): `fps` is then the rate to resample
   * to (the stream's base rate up to 60, else its average) and `frames` the count at that rate.
   */
  variableRate: boolean;
}

interface ProbeJson {
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    nb_read_frames?: string;
    duration?: string;
    disposition?: { attached_pic?: number };
    /** ffmpeg < 5: the rotation as a tag. */
    tags?: { rotate?: string };
    /** ffmpeg >= 5: a display matrix, with its rotation in degrees. */
    side_data_list?: { side_data_type?: string; rotation?: number }[];
  }[];
  format?: { duration?: string };
}

const rate = (text: string | undefined): number => {
  const [n, d] = (text ?? '0/1').split('/').map(Number);
  return d ? n / d : n;
};

type ProbeStream = NonNullable<ProbeJson['streams']>[number];

/** Degrees a player turns the picture by (phone videos store it sideways plus a display matrix). */
export function displayRotation(video: ProbeStream): number {
  const matrix = video.side_data_list?.find((d) => d.rotation !== undefined);
  const degrees = Number(matrix?.rotation ?? video.tags?.rotate ?? 0) || 0;
  return ((degrees % 360) + 360) % 360;
}

/** Parses `ffprobe -of json -show_streams -show_format` (pure, unit-tested). */
export function parseProbe(json: ProbeJson): VideoInfo | undefined {
  // A song's cover art is a one-picture "video" stream (at a 90000 fps timebase): not a video.
  const video = json.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video?.width || !video.height) return undefined;
  // ffmpeg turns such frames upright while decoding, so the size is the one shown, not the one stored.
  const quarterTurn = displayRotation(video) % 180 === 90;
  const average = rate(video.avg_frame_rate);
  const base = rate(video.r_frame_rate);
  const variableRate = average > 0 && base > 0 && Math.abs(base - average) > base * 0.01;
  // r_frame_rate of a variable stream is the rate all its timestamps fit: a camera's rate (30, 60), or a
  // timebase (90000) where only the average makes sense.
  const fps = variableRate ? (base <= 60 ? base : average) : average || base || 30;
  const durationS = Number(video.duration ?? json.format?.duration ?? 0) || 0;
  const counted = variableRate ? 0 : Number(video.nb_read_frames ?? video.nb_frames ?? 0);
  return {
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    fps,
    frames: counted > 0 ? counted : Math.round(durationS * fps),
    frameCountKnown: counted > 0,
    durationS,
    hasAudio: json.streams?.some((s) => s.codec_type === 'audio') ?? false,
    variableRate,
  };
}

/** Runs ffprobe; countFrames decodes the whole stream (exact, slower). */
export function probeVideo(path: string, options: { countFrames?: boolean } = {}): Promise<VideoInfo> {
  const ffprobe = findFfmpeg('ffprobe');
  const args = ['-v', 'error', '-of', 'json', '-show_streams', '-show_format'];
  if (options.countFrames) args.push('-count_frames');
  return new Promise((resolve, reject) => {
    // `-i`: a file named like an option (`-clip.mp4`) is still read as the input.
    execFile(ffprobe, [...args, '-i', path], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const info = error ? undefined : parseProbe(JSON.parse(stdout) as ProbeJson);
      if (info) return resolve(info);
      // Ctrl-C in a terminal signals ffprobe too: that says nothing about the file.
      if (error?.signal)
        return reject(
          new StylecastError('INTERRUPTED', `reading ${path} was interrupted (ffprobe got ${error.signal})`),
        );
      const reason = String(stderr).trim().split('\n').at(-1) || 'no video stream';
      reject(
        new StylecastError(
          'INPUT_UNREADABLE',
          `${path} is not a video ffmpeg can read (${reason})`,
          'try another file',
        ),
      );
    });
  });
}
