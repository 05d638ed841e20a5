import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../src/config/schema.ts';
import { DaemonTarget } from '../src/control/api/daemon-target.ts';
import { ApiServer } from '../src/control/api/server.ts';
import { silentLogger } from '../src/core/log.ts';
import { Daemon } from '../src/daemon.ts';
import type { BenchOptions, BenchSection } from './lib.ts';

/**
 * The control plane under load: the pipeline runs at 720p30 (test pattern, effect none) while 50
 * WebSocket clients receive stats every second and one panel polls the preview JPEG at 2 Hz. The
 * clients live in another process (as they would), so what is measured is the daemon's own cost:
 * output fps, drops and main-thread event-loop delay, without clients (baseline) and with them.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface ControlPhase {
  phase: 'baseline' | 'loaded';
  clients: number;
  seconds: number;
  outputFps: number;
  drops: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  statsPerClient: number | null;
  wsKiBps: number | null;
  previews: number | null;
}

export interface ControlBenchResult {
  width: number;
  height: number;
  fps: number;
  phases: ControlPhase[];
  /** Loaded drops minus baseline drops: what the control plane cost in frames. */
  extraDrops: number;
}

/** The clients' process: connects N sockets, counts stats events and bytes, polls the preview like a panel. */
const CLIENTS_SCRIPT = `
import WebSocket from 'ws';
const [url, count, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const counts = { stats: 0, bytes: 0, previews: 0, open: 0 };
const sockets = [];
await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
  const ws = new WebSocket(url.replace('http', 'ws') + '/api/v1/ws');
  ws.on('message', (d) => { counts.bytes += d.length; if (String(d).startsWith('{"event":"stats"')) counts.stats++; });
  ws.once('open', () => { counts.open++; resolve(); });
  ws.once('error', reject);
  sockets.push(ws);
})));
process.stdout.write('ready\\n');
counts.stats = 0; counts.bytes = 0;
const poll = setInterval(async () => {
  const r = await fetch(url + '/api/v1/preview.jpg?width=640').catch(() => null);
  if (r && r.ok) { await r.arrayBuffer(); counts.previews++; }
}, 500);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(poll);
process.stdout.write(JSON.stringify(counts) + '\\n');
for (const ws of sockets) ws.close();
process.exit(0);
`;

function runClients(base: string, count: number, seconds: number, onReady: () => void) {
  return new Promise<{ stats: number; bytes: number; previews: number; open: number }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', CLIENTS_SCRIPT, base, String(count), String(seconds)],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.startsWith('ready\n') && !out.includes('}')) onReady();
      const last = out.trim().split('\n').pop() ?? '';
      if (last.startsWith('{')) resolve(JSON.parse(last));
    });
    child.on('exit', (code) => (code ? reject(new Error(`clients exited with ${code}`)) : undefined));
  });
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function measureControl(
  options: { clients?: number; seconds?: number; width?: number; height?: number; fps?: number } = {},
): Promise<ControlBenchResult> {
  const { clients = 50, seconds = 8, width = 1280, height = 720, fps = 30 } = options;
  const config = ConfigSchema.parse({
    input: { source: 'test', width, height, fps },
    effect: { name: 'none' },
    obs: { enabled: false },
  });
  const daemon = new Daemon({ config, log: silentLogger() });
  await daemon.start();
  const target = new DaemonTarget({ daemon, obsEnabled: false });
  const server = new ApiServer({ target, port: 0 });
  await server.start();
  const base = `http://127.0.0.1:${server.port}`;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const phases: ControlPhase[] = [];
  try {
    await new Promise((r) => setTimeout(r, 2000)); // warm-up
    const measure = async (phase: ControlPhase['phase'], during: Promise<unknown>) => {
      const before = daemon.stats();
      const started = performance.now();
      loop.reset();
      loop.enable();
      await during;
      loop.disable();
      const after = daemon.stats();
      const elapsed = (performance.now() - started) / 1000;
      return {
        phase,
        seconds: round(elapsed),
        outputFps: round((after.framesOut - before.framesOut) / elapsed),
        drops: after.drops - before.drops,
        loopP50Ms: round(loop.percentile(50) / 1e6),
        loopP99Ms: round(loop.percentile(99) / 1e6),
        loopMaxMs: round(loop.max / 1e6),
      };
    };
    const baseline = await measure('baseline', new Promise((r) => setTimeout(r, seconds * 1000)));
    phases.push({ ...baseline, clients: 0, statsPerClient: null, wsKiBps: null, previews: null });

    let loadedStart: (() => void) | undefined;
    const ready = new Promise<void>((r) => {
      loadedStart = r;
    });
    const clientsDone = runClients(base, clients, seconds, () => loadedStart?.());
    await ready;
    const loaded = await measure('loaded', clientsDone);
    const counts = await clientsDone;
    phases.push({
      ...loaded,
      clients: counts.open,
      statsPerClient: round(counts.stats / counts.open),
      wsKiBps: round(counts.bytes / 1024 / loaded.seconds),
      previews: counts.previews,
    });
  } finally {
    await server.stop();
    target.dispose();
    await daemon.stop();
  }
  return { width, height, fps, phases, extraDrops: Math.max(0, phases[1].drops - phases[0].drops) };
}

export function printControl(result: ControlBenchResult): void {
  console.log(
    `\ncontrol plane at ${result.width}x${result.height}@${result.fps} (test pattern, effect none)`,
  );
  console.table(result.phases);
  console.log(`drops caused by the control plane: ${result.extraDrops}`);
}

/** bench/index.ts section: one table, baseline vs 50 clients. */
export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const result = await measureControl({ seconds: options.quick ? 4 : 10 });
  return [
    {
      title: `control plane: ${result.phases[1].clients} WebSocket clients at ${result.width}x${result.height}@${result.fps}`,
      rows: result.phases.map((p) => ({
        phase: p.phase,
        clients: p.clients,
        seconds: p.seconds,
        'output fps': p.outputFps,
        drops: p.drops,
        'loop p50 ms': p.loopP50Ms,
        'loop p99 ms': p.loopP99Ms,
        'loop max ms': p.loopMaxMs,
        'stats/client': p.statsPerClient ?? '',
        'ws KiB/s': p.wsKiBps ?? '',
        previews: p.previews ?? '',
      })),
      notes: [
        `drops caused by the control plane (loaded - baseline): ${result.extraDrops}`,
        'clients run in a separate process; one of them also polls the 640 px preview at 2 Hz like the panel',
      ],
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const result = await measureControl({ seconds: quick ? 4 : 8 });
  printControl(result);
  mkdirSync(`${REPO}bench/results`, { recursive: true });
  writeFileSync(`${REPO}bench/results/control.json`, `${JSON.stringify(result, null, 2)}\n`);
}
