import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ObsBridge } from '../src/control/obs/bridge.ts';
import { installObsSource } from '../src/control/obs/install.ts';
import { findFfmpeg } from '../src/core/ffmpeg.ts';
import { solidFrame } from '../src/core/frame.ts';
import { FfmpegFramePipe } from '../src/output/ffmpeg-frame-pipe.ts';
import { nutOverTcpArgs, ObsSink } from '../src/output/obs-sink.ts';
import { ageOf, clock32, drawTimecode, readTimecode } from '../src/output/timecode.ts';
import { freePort, screenshotRgba, startObs } from '../test/helpers/obs.ts';
import { type BenchOptions, type BenchSection, formatTable } from './lib.ts';

/**
 * Ingest latency into OBS: frames carrying a timestamp code (src/output/timecode.ts) go through the OBS
 * sink (raw RGBA in NUT over loopback TCP) into a real OBS 29 under Xvfb; GetSourceScreenshot reads the code
 * back. Latency = screenshot midpoint (between request and answer) - the code's time. Target: p95 <= 120 ms.
 */
export interface ObsLatencyRow {
  resolution: string;
  fps: number;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  screenshotP50Ms: number;
  sinkDropped: number;
  targetP95Ms: number;
  meets: boolean;
}

const TARGET_P95_MS = 120;
const SHOT_WIDTH = 320;
const percentile = (sorted: number[], q: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
    : Number.NaN;

async function measureOne(
  width: number,
  height: number,
  fps: number,
  samples: number,
): Promise<ObsLatencyRow> {
  // Screenshots are taken scaled down to 320 px wide: PNG-encoding a full 720p/1080p frame takes OBS
  // 50-100 ms here, which would blur the midpoint and steal CPU from the stream being measured.
  // The code's blocks are drawn big enough to be 8 px in the small screenshot.
  const block = Math.round((8 * width) / SHOT_WIDTH);
  const shotHeight = Math.round((height * SHOT_WIDTH) / width);
  const obs = await startObs({ width, height, fps });
  const bridge = new ObsBridge({ url: obs.url, password: obs.password });
  const port = await freePort();
  const sink = new ObsSink({ port, fps });
  let pump: NodeJS.Timeout | undefined;
  try {
    await bridge.connect();
    await installObsSource(bridge, { scene: 'stylecast', sourceName: 'stylecast feed', streamPort: port });
    await sink.start();
    let seq = 0;
    pump = setInterval(() => {
      const frame = solidFrame(width, height, [40, 90, 160, 255], seq++);
      drawTimecode(frame.data, width, height, clock32(), block);
      sink.write(frame);
    }, 1000 / fps);
    const client = await obs.client();
    const ages: number[] = [];
    const shots: number[] = [];
    const deadline = performance.now() + 20_000 + samples * 200;
    // Warm-up: wait for the first decoded frame.
    while (performance.now() < deadline) {
      try {
        const s = await screenshotRgba(client, 'stylecast feed', SHOT_WIDTH, shotHeight);
        if (readTimecode(s.data, s.width, s.height) !== undefined) break;
      } catch {
        // 702 until the source has a frame
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    while (ages.length < samples && performance.now() < deadline) {
      const sent = Date.now();
      const t0 = performance.now();
      const s = await screenshotRgba(client, 'stylecast feed', SHOT_WIDTH, shotHeight);
      shots.push(performance.now() - t0);
      const received = Date.now();
      const stamp = readTimecode(s.data, s.width, s.height);
      if (stamp !== undefined) ages.push(ageOf(stamp, Math.round((sent + received) / 2)));
      await new Promise((r) => setTimeout(r, 37)); // do not phase-lock with the 33 ms frame clock
    }
    ages.sort((a, b) => a - b);
    shots.sort((a, b) => a - b);
    const p95 = percentile(ages, 0.95);
    return {
      resolution: `${width}x${height}`,
      fps,
      samples: ages.length,
      p50Ms: percentile(ages, 0.5),
      p95Ms: p95,
      maxMs: ages.at(-1) ?? Number.NaN,
      screenshotP50Ms: Math.round(percentile(shots, 0.5)),
      sinkDropped: sink.stats().dropped,
      targetP95Ms: TARGET_P95_MS,
      meets: p95 <= TARGET_P95_MS,
    };
  } finally {
    clearInterval(pump);
    await sink.stop();
    await bridge.stop();
    await obs.stop();
  }
}

export interface MuxerHopRow {
  resolution: string;
  frames: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * The ffmpeg hop alone: frame into the muxer's stdin -> its last byte at a plain TCP listener (no OBS),
 * with the sink's own output arguments. ~1 ms with stream copy; `-c:v rawvideo` held every frame until
 * the next one arrived (34 ms at 30 fps), which is why the sink copies.
 */
export async function measureMuxerHop(width: number, height: number, frames = 90): Promise<MuxerHopRow> {
  const frameBytes = width * height * 4;
  let received = 0;
  const sentAt: number[] = [];
  const hops: number[] = [];
  const server = createServer((socket) =>
    socket.on('data', (chunk) => {
      received += chunk.length;
      // NUT adds a few header bytes per frame: whole payloads arrived = frames through.
      while (hops.length < sentAt.length && received >= frameBytes * (hops.length + 1))
        hops.push(performance.now() - sentAt[hops.length]);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const pipe = new FfmpegFramePipe({
    ffmpeg: findFfmpeg(),
    width,
    height,
    wallclock: true,
    outputArgs: nutOverTcpArgs('127.0.0.1', port),
  });
  try {
    for (let i = 0; i < frames; i++) {
      while (!pipe.idle && pipe.alive) await new Promise((r) => setTimeout(r, 1));
      if (pipe.write(solidFrame(width, height, [1, 2, 3, 255], i))) sentAt.push(performance.now());
      await new Promise((r) => setTimeout(r, 33));
    }
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await pipe.stop();
    server.close();
  }
  // The last frame is only complete at the close; the first includes ffmpeg's start-up.
  const sorted = hops.slice(1, -1).sort((a, b) => a - b);
  return {
    resolution: `${width}x${height}`,
    frames: sorted.length,
    p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
    p95Ms: Math.round(percentile(sorted, 0.95) * 10) / 10,
  };
}

export async function measureObs(quick: boolean): Promise<ObsLatencyRow[]> {
  const samples = quick ? 40 : 150;
  const rows = [await measureOne(1280, 720, 30, samples)];
  if (!quick) rows.push(await measureOne(1920, 1080, 30, samples));
  return rows;
}

/** Bench section (bench/index.ts): ingest latency rows and the muxer hop alone. */
export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const rows = await measureObs(options.quick);
  const hops = [await measureMuxerHop(640, 360), await measureMuxerHop(1280, 720)];
  return [
    {
      title: 'OBS ingest latency: timestamp code in frames -> GetSourceScreenshot (NUT over loopback TCP)',
      rows: rows.map((r) => ({
        resolution: r.resolution,
        fps: r.fps,
        samples: r.samples,
        'p50 ms': r.p50Ms,
        'p95 ms': r.p95Ms,
        'max ms': r.maxMs,
        'screenshot ms': r.screenshotP50Ms,
        dropped: r.sinkDropped,
        'target p95 ms': `<= ${r.targetP95Ms}`,
        meets: r.meets ? 'yes' : 'NO',
      })),
      notes: [
        'latency = midpoint of the screenshot request - time coded in the frame; includes up to one OBS render interval',
        'real OBS 29 under Xvfb with software GL: the screenshot itself costs CPU that competes with the stream',
      ],
    },
    {
      title: 'ffmpeg muxer hop alone (sink write -> bytes at a TCP listener, no OBS)',
      rows: hops.map((h) => ({
        resolution: h.resolution,
        frames: h.frames,
        'p50 ms': h.p50Ms,
        'p95 ms': h.p95Ms,
      })),
      notes: [
        'what writing NUT in-process instead of through ffmpeg could save at most (stream copy, no re-encode)',
      ],
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sections = await run({ quick: process.argv.includes('--quick'), argv: process.argv.slice(2) });
  for (const section of sections) process.stdout.write(`${formatTable(section)}\n\n`);
}
