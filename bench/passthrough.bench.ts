import { spawn } from 'node:child_process';
import { buildCaptureArgs, LIVE_DECODE } from '../src/capture/ffmpeg-args.ts';
import { validateConfig } from '../src/config/load.ts';
import { findFfmpeg } from '../src/core/ffmpeg.ts';
import { silentLogger } from '../src/core/log.ts';
import { Daemon } from '../src/daemon.ts';
import { media } from '../test/helpers/shared.ts';
import {
  type BenchOptions,
  type BenchSection,
  CountingSink,
  childCpuSeconds,
  flagValue,
  mb,
  median,
  sampleRss,
} from './lib.ts';

/**
 * Passthrough: test pattern -> effect none -> a sink that only counts. Measures what the pipeline
 * itself costs: sustained output fps, drops, overhead per frame (frame read -> handed to sinks,
 * p50/p95), CPU % of this process and of the capture ffmpeg, peak RSS. `--minutes N` adds a long
 * 720p run that reports RSS growth (target < 5 % after warm-up).
 */

interface RunResult {
  row: Record<string, string | number>;
  rss: number[];
}

async function measure(width: number, height: number, fps: number, seconds: number): Promise<RunResult> {
  const config = validateConfig({ input: { source: 'test', width, height, fps }, effect: { name: 'none' } });
  const daemon = new Daemon({ config, log: silentLogger() });
  const sink = new CountingSink();
  await daemon.start();
  await daemon.addSink(sink);
  await new Promise((r) => setTimeout(r, 1500)); // warm-up: JIT, ffmpeg start
  const source = (daemon as unknown as { source: { pid?: number } }).source;
  const before = {
    stats: daemon.stats(),
    cpu: process.cpuUsage(),
    ffmpeg: await childCpuSeconds(source.pid),
    at: performance.now(),
  };
  const rss = sampleRss(500);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const samples = rss.stop();
  const after = {
    stats: daemon.stats(),
    cpu: process.cpuUsage(before.cpu),
    ffmpeg: await childCpuSeconds(source.pid),
    at: performance.now(),
  };
  await daemon.stop();
  const wall = (after.at - before.at) / 1000;
  const framesOut = after.stats.framesOut - before.stats.framesOut;
  const ffmpegCpu =
    before.ffmpeg !== undefined && after.ffmpeg !== undefined
      ? ((after.ffmpeg - before.ffmpeg) / wall) * 100
      : undefined;
  return {
    rss: samples,
    row: {
      size: `${width}x${height}@${fps}`,
      seconds: Math.round(wall),
      'output fps': framesOut / wall,
      drops: after.stats.drops - before.stats.drops,
      restarts: after.stats.restarts,
      'overhead p50 ms': after.stats.stages.endToEnd.p50,
      'overhead p95 ms': after.stats.stages.endToEnd.p95,
      'node cpu %': ((after.cpu.user + after.cpu.system) / 1e6 / wall) * 100,
      'ffmpeg cpu %': ffmpegCpu ?? 'n/a',
      'peak rss MB': mb(Math.max(...samples)),
    },
  };
}

/**
 * When each frame of a live file input arrives (ms after ffmpeg starts, read at the file's own rate),
 * with the live decode arguments or without them (ffmpeg's default frame threads: the reference).
 */
async function frameArrivals(withLiveDecode: boolean, frames: number): Promise<number[]> {
  const [width, height] = [720, 720];
  let args = buildCaptureArgs(
    { kind: 'file', path: media('video', 'woman_plain_backdrop_720x720.mp4') },
    { width, height, fps: 30, realtime: true, loop: false, constantRate: true, platform: 'linux' },
  );
  const at = args.indexOf(LIVE_DECODE[0]);
  if (!withLiveDecode) args = [...args.slice(0, at), ...args.slice(at + LIVE_DECODE.length)];
  args.splice(args.length - 1, 0, '-frames:v', String(frames));
  const started = performance.now();
  const child = spawn(findFfmpeg(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const frameBytes = width * height * 4;
  const arrivals: number[] = [];
  let received = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    const before = Math.floor(received / frameBytes);
    received += chunk.length;
    for (let k = before; k < Math.floor(received / frameBytes); k++)
      arrivals.push(performance.now() - started);
  });
  await new Promise((resolve) => child.on('close', resolve));
  return arrivals;
}

async function decodeLatency(runs: number): Promise<BenchSection> {
  const frames = 30;
  const results = {
    'live (slice threads)': [] as number[][],
    'ffmpeg default (frame threads)': [] as number[][],
  };
  for (let i = 0; i < runs; i++) {
    results['live (slice threads)'].push(await frameArrivals(true, frames));
    results['ffmpeg default (frame threads)'].push(await frameArrivals(false, frames));
  }
  const rows = Object.entries(results).map(([decode, all]) => ({
    decode,
    runs: all.length,
    'frames per run': median(all.map((a) => a.length)),
    'first frame ms': median(all.map((a) => a[0])),
    'frame 30 ms': median(all.map((a) => a[frames - 1])),
  }));
  return {
    title:
      'live decode latency: H.264 clip read at its own rate (-re) -> RGBA frames, ms after ffmpeg starts',
    rows,
    notes: [
      'live inputs (files with -re, streams, cameras) use slice threads only (src/capture/ffmpeg-args.ts LIVE_DECODE);',
      "ffmpeg's default frame threads hold back one frame per extra decoding thread",
    ],
  };
}

export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const seconds = options.quick ? 5 : 20;
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    rows.push((await measure(w, h, 30, seconds)).row);
  }
  const sections: BenchSection[] = [
    {
      title: 'passthrough: test pattern -> none -> counting sink',
      rows,
      notes: [
        'overhead = last byte of a frame read from ffmpeg -> frame handed to every sink (effect none)',
        'targets (2 cores): 30 fps sustained with 0 drops at 720p and 1080p; overhead p95 <= 2 ms at 720p',
        'ffmpeg cpu % is the capture ffmpeg (decode + scale + RGBA conversion), from /proc',
      ],
    },
  ];
  sections.push(await decodeLatency(options.quick ? 2 : 5));
  const minutes = Number(flagValue(options.argv, '--minutes') ?? 0);
  if (minutes > 0) {
    const long = await measure(1280, 720, 30, minutes * 60);
    // Growth is judged after warm-up: the median of the first and of the last 10 % of samples.
    const tenth = Math.max(1, Math.floor(long.rss.length / 10));
    const start = median(long.rss.slice(0, tenth));
    const end = median(long.rss.slice(-tenth));
    sections.push({
      title: `passthrough RSS over ${minutes} min at 1280x720@30`,
      rows: [
        {
          ...long.row,
          'rss start MB': mb(start),
          'rss end MB': mb(end),
          'rss growth %': ((end - start) / start) * 100,
        },
      ],
      notes: ['target: rss growth < 5 %'],
    });
  }
  return sections;
}
