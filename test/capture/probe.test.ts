import { describe, expect, it } from 'vitest';
import { parseProbe, probeVideo } from '../../src/capture/probe.ts';
import { media } from '../helpers/shared.ts';

describe('probe', () => {
  it('parses rates, counts and audio', () => {
    const info = parseProbe({
      streams: [
        { codec_type: 'video', width: 720, height: 720, avg_frame_rate: '30000/1001', nb_frames: '300' },
        { codec_type: 'audio' },
      ],
      format: { duration: '10.01' },
    });
    expect(info).toMatchObject({ width: 720, height: 720, frames: 300, hasAudio: true });
    expect(info?.fps).toBeCloseTo(29.97, 2);
    expect(parseProbe({ streams: [{ codec_type: 'audio' }] })).toBeUndefined();
  });

  it('reads a real file', async () => {
    const info = await probeVideo(media('video', 'woman_plain_backdrop_720x720.mp4'));
    expect(info).toMatchObject({ width: 720, height: 720, fps: 25, frames: 270, hasAudio: false });
  });
});

describe('probe of a rotated (phone) video', () => {
  it('swaps width and height for a quarter turn, from the display matrix or the old rotate tag', () => {
    const stored = { codec_type: 'video', width: 1920, height: 1080, avg_frame_rate: '30/1' };
    const matrix = (rotation: number) => ({
      streams: [{ ...stored, side_data_list: [{ side_data_type: 'Display Matrix', rotation }] }],
    });
    expect(parseProbe(matrix(-90))).toMatchObject({ width: 1080, height: 1920 });
    expect(parseProbe(matrix(90))).toMatchObject({ width: 1080, height: 1920 });
    expect(parseProbe(matrix(180))).toMatchObject({ width: 1920, height: 1080 });
    expect(parseProbe({ streams: [{ ...stored, tags: { rotate: '270' } }] })).toMatchObject({
      width: 1080,
      height: 1920,
    });
  });
});

describe('probe of an audio file with cover art', () => {
  it('is no video: the cover picture is not a stream to render', () => {
    // Before: a 1-frame "video" at 90000 fps, which render wrote as such.
    const json = {
      streams: [
        { codec_type: 'audio' },
        {
          codec_type: 'video',
          width: 600,
          height: 600,
          r_frame_rate: '90000/1',
          disposition: { attached_pic: 1 },
        },
      ],
    };
    expect(parseProbe(json)).toBeUndefined();
  });
});
