import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { isStylecastError, StylecastError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { renderFile } from '../../pipeline/render.ts';
import { addEffectOptions, type EffectFlags, effectConfigFlags } from './effect-flags.ts';
import { resolutionFlag } from './flags.ts';

interface RenderFlags extends EffectFlags {
  config?: string;
  width?: number;
  height?: number;
  encoder?: string;
  device?: string;
  progress: boolean;
}

export function registerRender(program: Command): void {
  const render = program
    .command('render')
    .description('process a video file offline, as fast as possible (same frames and duration as the input)')
    .argument('<input>', 'input video file')
    .argument('<output>', 'output file: .mkv/.mp4 (H.264), .webm/.mov (keeps a transparent background)');
  addEffectOptions(render, 'effect: none, blur-background, style-background, … (default: from config)')
    .option('-c, --config <file>', 'JSON config file (flags win over it)')
    .option('--width <px>', 'output width (default: the input width)', resolutionFlag('--width'))
    .option('--height <px>', 'output height (default: the input height)', resolutionFlag('--height'))
    .option('--device <name>', 'inference device: auto, cpu, cuda, tensorrt, dml, coreml, webgpu')
    .option(
      '--encoder <name>',
      'H.264 encoder: libx264 (default), h264_nvenc, h264_vaapi, h264_qsv, h264_videotoolbox',
    )
    .option('--no-progress', 'no progress bar')
    .action((input: string, output: string, flags: RenderFlags) => renderCommand(input, output, flags));
}

async function renderCommand(input: string, output: string, flags: RenderFlags): Promise<void> {
  if ((flags.width === undefined) !== (flags.height === undefined))
    throw new StylecastError(
      'BAD_RESOLUTION',
      'give both --width and --height, or neither',
      'for example --width 1280 --height 720',
    );
  const log = createLogger();
  const config = loadConfig({
    file: flags.config,
    flags: {
      ...effectConfigFlags(flags),
      inference: { device: flags.device },
      record: { encoder: flags.encoder },
    },
  });
  const bar = new cliProgress.SingleBar(
    {
      format: 'render |{bar}| {percentage}% | {value}/{total} frames | {speed} fps | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 60,
    },
    cliProgress.Presets.shades_classic,
  );
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  let barStarted = false;
  try {
    const result = await renderFile({
      input,
      output,
      config,
      log,
      size: flags.width && flags.height ? { width: flags.width, height: flags.height } : undefined,
      effectExplicit: flags.effect !== undefined,
      signal: abort.signal,
      onStart: (info) => {
        log.info(
          `render: ${input} ${info.width}x${info.height} @ ${info.fps} fps, ${info.frames} frames, effect ${info.effect}`,
        );
        if (flags.progress) {
          bar.start(info.frames, 0, { speed: '0' });
          barStarted = true;
        }
      },
      onFrame: (done) => {
        if (!barStarted) return;
        const speed = done / Math.max((performance.now() - started) / 1000, 1e-3);
        // The header's frame count can be a little off: never let the bar overflow.
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done, { speed: speed.toFixed(1) });
      },
    });
    if (barStarted) bar.stop();
    barStarted = false;
    process.stdout.write(
      `${result.aborted ? 'stopped early, wrote' : 'wrote'} ${output}: ${result.frames} frames in ${result.seconds.toFixed(1)} s (${result.fps.toFixed(1)} fps, effect ${result.effect})\n`,
    );
    if (result.aborted) process.exitCode = 130;
  } catch (error) {
    // Ctrl-C before the first frame (it signals ffprobe too; the models were loading): a stop, not a
    // failure of the file.
    if (!isStylecastError(error) || error.key !== 'INTERRUPTED') throw error;
    process.stdout.write(`render stopped: ${error.message}\n`);
    process.exitCode = 130;
  } finally {
    if (barStarted) bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
