/**
 * Soak benchmark: `npm run soak -- --minutes N` (not in CI; the README's numbers come from 30 minutes).
 * A real `stylecast run` child at 720p30 with style-background (the test pattern as input), the OBS
 * sink into a real OBS Studio under Xvfb (started here through test/helpers/obs.ts when obs and Xvfb
 * exist), the recorder on, 10 WebSocket clients receiving stats, a style switch every 10 s. Samples
 * the daemon from outside every few seconds: RSS, JS heap, open file descriptors, child processes,
 * event-loop delay, drops, latency. Prints a table, writes bench/results/soak.json and soak.png.
 *
 * Options: --minutes N (30) --sample S (5) --effect E (style-background) --width/--height/--fps
 * (1280/720/30) --clients N (10) --switch-every S (10) --no-obs-studio --out DIR (bench/results)
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { type RunningDaemon, sleep, startDaemon, tempDir } from '../test/helpers/daemon-process.ts';
import type { ObsInstance } from '../test/helpers/obs.ts';
import { MODELS_DIR, REPO, STYLES_DIR } from '../test/helpers/shared.ts';
import { renderSoakPng } from './soak-plot.ts';
import { type Sample, summarizeSoak } from './soak-report.ts';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    sample: { type: 'string', default: '5' },
    effect: { type: 'string', default: 'style-background' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    fps: { type: 'string', default: '30' },
    clients: { type: 'string', default: '10' },
    'switch-every': { type: 'string', default: '10' },
    'no-obs-studio': { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO, 'bench', 'results') },
  },
});
const minutes = Number(opts.minutes);
const sampleS = Number(opts.sample);
if (!(minutes > 0) || !(sampleS > 0)) {
  console.error('error: --minutes and --sample need positive numbers (e.g. npm run soak -- --minutes 5)');
  process.exit(2);
}

function procStatus(pid: number): { rssMb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0);
  return { rssMb: Math.round(kb / 102.4) / 10 };
}
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

async function startObsStudio(): Promise<ObsInstance | undefined> {
  if (opts['no-obs-studio']) return undefined;
  try {
    const { startObs } = await import('../test/helpers/obs.ts');
    return await startObs({ width: Number(opts.width), height: Number(opts.height), fps: Number(opts.fps) });
  } catch (error) {
    console.log(
      `OBS Studio not started (${String(error).split('\n')[0]}): the soak runs without the OBS sink`,
    );
    return undefined;
  }
}

interface WsClients {
  received: () => number;
  commandsOk: number;
  commandsFailed: number;
  nextStyle: () => void;
  close: () => void;
}

async function connectClients(base: string, count: number): Promise<WsClients> {
  let received = 0;
  const sockets: WebSocket[] = [];
  const state = { commandsOk: 0, commandsFailed: 0 };
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws`);
    ws.on('message', (data) => {
      received++;
      if (i !== 0) return;
      const message = JSON.parse(String(data)) as { id?: unknown; ok?: boolean };
      if (typeof message.id === 'string' && message.id.startsWith('switch')) {
        if (message.ok) state.commandsOk++;
        else state.commandsFailed++;
      }
    });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    sockets.push(ws);
  }
  let n = 0;
  return {
    received: () => received,
    get commandsOk() {
      return state.commandsOk;
    },
    get commandsFailed() {
      return state.commandsFailed;
    },
    nextStyle: () =>
      sockets[0]?.send(JSON.stringify({ id: `switch-${n++}`, command: 'next-style', morphMs: 800 })),
    close: () => {
      for (const ws of sockets) ws.close();
    },
  };
}

interface StatsReply {
  fps: number;
  frames: number;
  dropped: number;
  latencyMs: { p50: number; p95: number };
  sinks: { name: string; state: string; written: number; dropped: number }[];
  stages: Record<string, number | string>;
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  clients: number;
}

async function main(): Promise<void> {
  const work = tempDir('stylecast-soak-');
  const obs = await startObsStudio();
  const record = join(work.path, 'soak.mkv');
  const args = ['--input', 'test', '--width', opts.width!, '--height', opts.height!, '--fps', opts.fps!];
  args.push('--effect', opts.effect!, '--record', record, '--stats-every', '60');
  if (obs) args.push('--obs');
  else args.push('--no-obs');
  let daemon: RunningDaemon | undefined;
  let clients: WsClients | undefined;
  const samples: Sample[] = [];
  const stopAll = async () => {
    clients?.close();
    await daemon?.stop();
    await obs?.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    daemon = await startDaemon({
      args,
      readyTimeoutMs: 60_000,
      env: {
        STYLECAST_MODELS: MODELS_DIR,
        STYLECAST_STYLES: STYLES_DIR,
        XDG_CONFIG_HOME: join(work.path, 'config'),
        // The password reaches the daemon through its environment, never its argv (see docs/security.md).
        ...(obs ? { OBS_WEBSOCKET_URL: obs.url, OBS_WEBSOCKET_PASSWORD: obs.password } : {}),
      },
    });
    const pid = daemon.pid;
    clients = await connectClients(daemon.base, Number(opts.clients));
    const first = (await daemon.api<StatsReply>('/api/v1/stats')) ?? undefined;
    console.log(
      `soak: ${minutes} min, ${opts.width}x${opts.height}@${opts.fps}, effect ${String(first?.stages.effect ?? opts.effect)}, ` +
        `${opts.clients} WebSocket clients, style switch every ${opts['switch-every']} s, ` +
        `OBS sink ${obs ? 'on (real OBS under Xvfb)' : 'off'}, recorder on`,
    );
    console.log(
      [
        't s',
        'RSS MB',
        'heap MB',
        'fds',
        'kids',
        'loop p99',
        'fps',
        'drops',
        'e2e p50',
        'e2e p95',
        'sink drops',
      ]
        .map((h) => h.padStart(9))
        .join(''),
    );
    const started = Date.now();
    const endAt = started + minutes * 60_000;
    let nextSwitch = started + Number(opts['switch-every']) * 1000;
    let nextSample = started + sampleS * 1000;
    while (Date.now() < endAt) {
      await sleep(Math.max(10, Math.min(nextSwitch, nextSample) - Date.now()));
      if (daemon.proc.exitCode !== null)
        throw new Error(`the daemon exited:\n${daemon.output().slice(-2000)}`);
      if (Date.now() >= nextSwitch) {
        clients.nextStyle();
        nextSwitch += Number(opts['switch-every']) * 1000;
      }
      if (Date.now() < nextSample) continue;
      nextSample += sampleS * 1000;
      const stats = await daemon.api<StatsReply>('/api/v1/stats');
      const sample: Sample = {
        tS: Math.round((Date.now() - started) / 100) / 10,
        rssMb: procStatus(pid).rssMb,
        heapMb: Number(stats.stages.heapUsedMb ?? 0),
        fds: fdCount(pid),
        children: daemon.children().length,
        loopP99Ms: stats.eventLoop.p99Ms,
        fps: stats.fps,
        frames: stats.frames,
        drops: stats.dropped,
        e2eP50Ms: stats.latencyMs.p50,
        e2eP95Ms: stats.latencyMs.p95,
        sinkDrops: stats.sinks.reduce((sum, s) => sum + s.dropped, 0),
        sinkStates: stats.sinks.map((s) => `${s.name}:${s.state}`).join(' '),
        wsMessages: clients.received(),
      };
      samples.push(sample);
      const row = [
        sample.tS,
        sample.rssMb,
        sample.heapMb,
        sample.fds,
        sample.children,
        sample.loopP99Ms,
        sample.fps,
      ];
      row.push(sample.drops, sample.e2eP50Ms, sample.e2eP95Ms, sample.sinkDrops);
      console.log(row.map((v) => String(v).padStart(9)).join(''));
    }
    const summary = summarizeSoak(samples, { warmupS: Math.min(60, (minutes * 60) / 5) });
    const recordedMb = Math.round(statSync(record).size / 1e5) / 10;
    const result = {
      when: new Date().toISOString(),
      settings: { ...opts, obsStudio: Boolean(obs) },
      summary: {
        ...summary,
        styleSwitchesOk: clients.commandsOk,
        styleSwitchesFailed: clients.commandsFailed,
        wsMessages: clients.received(),
        recordedMb,
      },
      samples,
    };
    writeFileSync(join(opts.out!, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    await renderSoakPng(
      samples,
      summary,
      join(opts.out!, 'soak.png'),
      `${minutes} min soak, ${opts.width}x${opts.height}@${opts.fps}, ${opts.effect}`,
    );
    console.log('\nsummary');
    for (const [key, value] of Object.entries(result.summary)) console.log(`  ${key.padEnd(24)} ${value}`);
    console.log(`wrote ${join(opts.out!, 'soak.json')} and ${join(opts.out!, 'soak.png')}`);
    process.exitCode = summary.pass ? 0 : 1;
  } finally {
    await stopAll();
    work.remove();
  }
}

await main();
