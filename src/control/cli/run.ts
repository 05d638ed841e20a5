import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { describeError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { Daemon, type DaemonStats } from '../../daemon.ts';
import { addEffectOptions, type EffectFlags, effectConfigFlags } from './effect-flags.ts';
import { collect, numberFlag, resolutionFlag } from './flags.ts';
import { RUN_ADDONS, type RunAddonHandle } from './run-addons.ts';

interface RunFlags extends EffectFlags {
  input?: string;
  obs?: boolean;
  port?: number;
  record?: string;
  output: string[];
  config?: string;
  width?: number;
  height?: number;
  fps?: number;
  loop?: boolean;
  encoder?: string;
  device?: string;
  duration?: number;
  statsEvery: number;
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description('run the live pipeline until Ctrl-C (default input: the first camera, else a test pattern)')
    .option('-i, --input <source>', 'a file, URL (rtsp/srt/http), camera, camera:NAME, test, or auto');
  addEffectOptions(run, 'effect: none, blur-background, style-background, … (see README)')
    .option('--obs', 'require OBS: warn until it answers (default: use it when it answers)')
    .option('--no-obs', 'do not connect to OBS')
    .option('-p, --port <port>', 'HTTP API / preview port', numberFlag('--port', { min: 0, max: 65535 }))
    .option('-r, --record <path>', 'record the output (.mkv/.mp4 H.264, .webm/.mov with alpha)')
    .option(
      '-o, --output <spec>',
      'extra output: file:PATH, obs, v4l2:/dev/videoN, browser (repeatable)',
      collect,
      [],
    )
    .option('-c, --config <file>', 'JSON config file (flags win over it)')
    .option('--width <px>', 'frame width', resolutionFlag('--width'))
    .option('--height <px>', 'frame height', resolutionFlag('--height'))
    .option('--fps <n>', 'frame rate', numberFlag('--fps', { min: 1, max: 240 }))
    .option('--loop', 'loop a file input')
    .option('--device <name>', 'inference device: auto, cpu, cuda, tensorrt, dml, coreml, webgpu')
    .option(
      '--encoder <name>',
      'recording encoder: libx264, h264_nvenc, h264_vaapi, h264_qsv, h264_videotoolbox',
    )
    .option('--duration <seconds>', 'stop after this many seconds', numberFlag('--duration', { min: 0.1 }))
    .option(
      '--stats-every <seconds>',
      'log a stats line this often (0 = never)',
      numberFlag('--stats-every', { min: 0 }),
      30,
    )
    .action((flags: RunFlags) => runCommand(flags));
}

function configFlags(f: RunFlags): Record<string, unknown> {
  return {
    ...effectConfigFlags(f),
    input: { source: f.input, width: f.width, height: f.height, fps: f.fps, loop: f.loop },
    inference: { device: f.device },
    obs: { enabled: f.obs === undefined ? undefined : f.obs },
    api: { port: f.port },
    record: { path: f.record, encoder: f.encoder },
    outputs: f.output.length ? f.output : undefined,
  };
}

async function runCommand(flags: RunFlags): Promise<void> {
  const log = createLogger();
  const config = loadConfig({ file: flags.config, flags: configFlags(flags) });
  const daemon = new Daemon({ config, log });
  const addons: { name: string; handle: RunAddonHandle }[] = [];

  let stopRequested: (reason: string) => void = () => {};
  const stopped = new Promise<string>((r) => {
    stopRequested = r;
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write('stylecast: second signal, exiting without cleanup\n');
      process.exit(130);
    }
    stopRequested(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  daemon.on('end', () => stopRequested('input ended'));

  try {
    for (const addon of RUN_ADDONS) await addon.preflight?.(config);
    const starting = daemon.start();
    const early = await Promise.race([starting.then(() => undefined), stopped]);
    if (early) {
      daemon.abortStart();
      await starting.catch(() => {});
      return;
    }
    for (const addon of RUN_ADDONS) {
      addons.push({ name: addon.name, handle: await addon.start({ daemon, config, log }) });
    }
    printSummary(
      daemon.stats(),
      addons.flatMap((a) => a.handle.lines ?? []),
      daemon.styles.state().style,
    );
    const statsTimer =
      flags.statsEvery > 0
        ? setInterval(() => logStats(daemon.stats(), log), flags.statsEvery * 1000)
        : undefined;
    const durationTimer = flags.duration
      ? setTimeout(() => stopRequested('duration'), flags.duration * 1000)
      : undefined;
    const reason = await stopped;
    clearInterval(statsTimer);
    clearTimeout(durationTimer);
    log.info(`stopping (${reason})`);
  } finally {
    for (const { name, handle } of addons.reverse()) {
      await handle.stop?.().catch((e) => log.warn(`${name} did not stop cleanly: ${describeError(e)}`));
    }
    await daemon.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const final = daemon.stats();
  process.stdout.write(
    `stopped: ${final.framesOut} frames out, ${final.drops} dropped, ${final.restarts} input restarts\n`,
  );
}

function printSummary(stats: DaemonStats, addonLines: string[], style: string | undefined): void {
  const { input } = stats;
  // Which painting: only the style effects use one (a fallback to blur-background has none to show).
  const painting = stats.effect.startsWith('style-') && style ? `, style ${style}` : '';
  const lines = [
    `stylecast running: ${input.description} ${input.width}x${input.height} @ ${input.fps} fps, effect ${stats.effect}${painting}`,
  ];
  for (const sink of stats.sinks) {
    if (sink.name.startsWith('file:') || sink.name === 'recording')
      lines.push(
        `  recording: ${resolve(sink.name.startsWith('file:') ? sink.name.slice(5) : (sink.detail ?? ''))}`,
      );
    else lines.push(`  output: ${sink.name}${sink.detail ? ` (${sink.detail})` : ''}`);
  }
  for (const line of addonLines) lines.push(`  ${line}`);
  if (stats.sinks.length === 0 && addonLines.length === 0)
    lines.push('  no outputs: add --record out.mkv or --output file:out.mkv');
  lines.push('Ctrl-C stops (recordings are finalized).');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function logStats(s: DaemonStats, log: ReturnType<typeof createLogger>): void {
  log.info(
    `fps in ${s.inputFps} out ${s.outputFps}, drops ${s.drops}, restarts ${s.restarts}, ` +
      `end-to-end p50 ${s.stages.endToEnd.p50} ms p95 ${s.stages.endToEnd.p95} ms`,
  );
}
