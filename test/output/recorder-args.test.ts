import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { ENCODERS } from '../../src/config/schema.ts';
import { StylecastError } from '../../src/core/errors.ts';
import { parseOutputSpec } from '../../src/output/index.ts';
import {
  buildRecorderArgs,
  containerFor,
  encoderProbeArgs,
  HARDWARE_ENCODERS,
  type RecorderArgsOptions,
  videoCodecName,
} from '../../src/output/recorder-args.ts';

const base: RecorderArgsOptions = {
  path: 'out.mkv',
  width: 1280,
  height: 720,
  fps: 30,
  encoder: 'libx264',
  crf: 20,
  preset: 'veryfast',
  timing: 'wallclock',
};
const joined = (o: Partial<RecorderArgsOptions>) => buildRecorderArgs({ ...base, ...o }).join(' ');

describe('buildRecorderArgs', () => {
  it('reads raw RGBA of the frame size from stdin and keyframes at least every second', () => {
    const args = joined({});
    expect(args).toContain('-f rawvideo -pix_fmt rgba -s 1280x720 -r 30 -i pipe:0');
    expect(args).toContain('-g 30 -force_key_frames expr:gte(t,n_forced*1)');
    expect(args.endsWith('out.mkv')).toBe(true);
  });

  it('live: constant-rate input paced by the recorder, zero-latency x264; render: full x264', () => {
    expect(joined({})).not.toContain('-use_wallclock_as_timestamps');
    expect(joined({})).toContain('-fps_mode passthrough');
    expect(joined({})).toContain('-tune zerolatency');
    expect(joined({ timing: 'constant' })).not.toContain('zerolatency');
  });

  it('crash-safe muxing: 1 s Matroska clusters, fragmented MP4', () => {
    expect(joined({})).toContain('-f matroska -cluster_time_limit 1000');
    expect(joined({ path: 'a.mp4' })).toContain(
      '-movflags +frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000',
    );
  });

  it('alpha containers', () => {
    expect(joined({ path: 'a.webm' })).toContain('-c:v libvpx-vp9 -pix_fmt yuva420p');
    expect(joined({ path: 'a.mov' })).toContain('-c:v prores_ks -profile:v 4 -pix_fmt yuva444p10le');
  });

  it('hardware encoders', () => {
    expect(joined({ encoder: 'h264_nvenc' })).toContain('-c:v h264_nvenc');
    expect(joined({ encoder: 'h264_vaapi' })).toMatch(
      /-vaapi_device \/dev\/dri\/renderD128 .*format=nv12,hwupload -c:v h264_vaapi/,
    );
    expect(joined({ encoder: 'h264_qsv' })).toContain('-c:v h264_qsv');
    expect(joined({ encoder: 'h264_videotoolbox' })).toContain('-c:v h264_videotoolbox');
    expect(encoderProbeArgs('h264_nvenc').join(' ')).toMatch(/color=.* -c:v h264_nvenc .* -f null -$/);
  });

  it('copies audio from a file input (copy in mkv, aac in mp4, opus in webm); looped audio ends with the video', () => {
    const audio = { path: 'in.mp4', loop: false };
    expect(joined({ audioFrom: audio })).toContain('-i in.mp4 -map 0:v:0 -map 1:a:0? -c:a copy');
    expect(joined({ audioFrom: audio, path: 'a.mp4' })).toContain('-c:a aac');
    expect(joined({ audioFrom: audio, path: 'a.webm' })).toContain('-c:a libopus');
    expect(joined({ audioFrom: { path: 'in.mp4', loop: true } })).toMatch(
      /-stream_loop -1 -i in.mp4.*-shortest/,
    );
  });

  it('unknown extensions are user errors', () => {
    expect(() => containerFor('out.avi')).toThrow(StylecastError);
    expect(containerFor('OUT.MP4')).toBe('mp4');
  });

  it('an unknown encoder is refused by config validation, naming the known ones (not replaced by libx264)', () => {
    expect(() => validateConfig({ record: { encoder: 'x264' } })).toThrow(
      /record\.encoder: unknown encoder; use one of libx264, h264_nvenc, h264_vaapi, h264_qsv, h264_videotoolbox/,
    );
    expect(validateConfig({ record: { encoder: 'h264_qsv' } }).record.encoder).toBe('h264_qsv');
    expect([...ENCODERS].sort()).toEqual(['libx264', ...HARDWARE_ENCODERS].sort());
  });

  it('names the codec really used: the alpha containers pick their own', () => {
    expect(videoCodecName('mov', 'libx264')).toBe('prores_ks');
    expect(videoCodecName('webm', 'libx264')).toBe('libvpx-vp9');
    expect(videoCodecName('mp4', 'h264_nvenc')).toBe('h264_nvenc');
  });
});

describe('parseOutputSpec', () => {
  it('KIND, KIND:TARGET, bare paths and Windows drive letters', () => {
    expect(parseOutputSpec('file:out.mkv')).toEqual({ kind: 'file', target: 'out.mkv' });
    expect(parseOutputSpec('out.mp4')).toEqual({ kind: 'file', target: 'out.mp4' });
    expect(parseOutputSpec('C:\\rec\\a.mkv')).toEqual({ kind: 'file', target: 'C:\\rec\\a.mkv' });
    expect(() => parseOutputSpec('nowhere')).toThrow(/unknown output/);
  });
});
