import { basename, extname } from 'node:path';
import { type Command, Option } from 'commander';
import sharp from 'sharp';
import { loadConfig } from '../../config/load.ts';
import { STYLE_VARIANTS } from '../../config/schema.ts';
import { StylecastError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { openStylizer } from '../../inference/stylizer/open.ts';
import { readImageRgba, readStyleImage } from '../../pipeline/style/image.ts';
import { defaultStylesFolder } from '../../pipeline/style/library.ts';
import { blendStrength } from '../../pipeline/style/mixer.ts';
import { styleNameFromFile } from '../../pipeline/style/names.ts';
import { resolveStyleFile } from '../../pipeline/style/resolve.ts';
import { numberFlag } from './flags.ts';

/**
 * `stylecast stylize <image> --style <image|name> [--out out.png] [--strength s] [--detail n | --square]`:
 * one image in the style of another. Default: the whole image at its aspect, `detail` tiles across the short side
 * (what a streamer expects of a photo: nothing cropped, nothing squashed); --square is the upstream
 * recipe (the centre square at 384x384, as the TFLite sample and its golden image do it).
 */
export function registerStylize(program: Command): void {
  program
    .command('stylize')
    .description('paint one image in the style of another image or of a named style from the styles folder')
    .argument('<image>', 'content image (JPEG, PNG, WebP)')
    .requiredOption('-s, --style <image|name>', 'style image path, or a style name from the styles folder')
    .option(
      '-o, --out <out.png>',
      'output image, format by extension: .png, .jpg, .webp (default: <image>-stylized.png in the current folder)',
    )
    .option(
      '--strength <0..1>',
      'style strength (content blending; 1 = full style)',
      numberFlag('--strength', { min: 0, max: 1, example: 0.6 }),
      1,
    )
    .option(
      '--detail <n>',
      'n overlapping 384 tiles across the short side (1-4: 384, 704, 1024 or 1344 px; default: style.detail)',
      numberFlag('--detail', { min: 1, max: 4, integer: true, example: 2 }),
    )
    .option('--square', 'the upstream recipe instead: the centre square of the image, painted at 384x384')
    // The whole image became the default; the old flag still parses so scripts keep working.
    .addOption(new Option('--whole').hideHelp())
    .option('--variant <variant>', `style transform variant (${STYLE_VARIANTS.join(', ')})`)
    .option('--models-dir <dir>', 'folder with the model files')
    .option('--styles-dir <dir>', 'styles folder for --style <name>')
    .action(async (image: string, flags: StylizeFlags) => {
      await runStylize(image, flags);
    });
}

interface StylizeFlags {
  style: string;
  out?: string;
  strength: number;
  square?: boolean;
  detail?: number;
  variant?: string;
  modelsDir?: string;
  stylesDir?: string;
}

async function runStylize(image: string, flags: StylizeFlags): Promise<void> {
  const log = createLogger();
  if (flags.square && flags.detail !== undefined)
    throw new StylecastError(
      'BAD_ARGUMENT',
      '--detail and --square do not go together',
      '--square always paints one 384x384 tile; leave it out to paint the whole image at --detail',
    );
  const config = loadConfig({
    flags: {
      style: {
        ...(flags.variant ? { variant: flags.variant } : {}),
        ...(flags.stylesDir ? { folder: flags.stylesDir } : {}),
      },
      inference: flags.modelsDir ? { modelsDir: flags.modelsDir } : {},
    },
  });
  const out = flags.out ?? `${basename(image, extname(image))}-stylized.png`;
  const format = outputFormat(out);
  const stylePath = resolveStyleFile(flags.style, config.style.folder ?? defaultStylesFolder());
  const content = await readImageRgba(image);
  const style = await readStyleImage(stylePath);
  const started = performance.now();
  const { stylizer, variant } = await openStylizer({
    variant: config.style.variant,
    modelsDir: config.inference.modelsDir,
    device: config.inference.device,
    threads: config.inference.threads,
    log,
  });
  try {
    const styleVector = await stylizer.predict(style.rgba, style.width, style.height);
    const contentVector =
      flags.strength < 1 ? await stylizer.predict(content.rgba, content.width, content.height) : undefined;
    const bottleneck = blendStrength(styleVector, contentVector, flags.strength);
    const result = flags.square
      ? await stylizer.stylizeSquare(content.rgba, content.width, content.height, bottleneck)
      : await stylizer.stylizeFrame(content.rgba, content.width, content.height, bottleneck, {
          detail: flags.detail ?? config.style.detail,
        });
    try {
      await sharp(result.rgba, { raw: { width: result.width, height: result.height, channels: 4 } })
        .toFormat(format, format === 'png' ? {} : { quality: 92 })
        .toFile(out);
    } catch (error) {
      throw new StylecastError(
        'OUTPUT_FAILED',
        `cannot write ${out}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        'check that the folder exists and is writable',
      );
    }
    const ms = Math.round(performance.now() - started);
    log.info(
      `wrote ${out} (${result.width}x${result.height}, style ${styleNameFromFile(stylePath)}, strength ${flags.strength}, ${variant}, ${ms} ms)`,
    );
  } finally {
    await stylizer.release();
  }
}

const OUTPUT_FORMATS: Record<string, 'png' | 'jpeg' | 'webp'> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};

/** The format `--out` names by its extension; checked before the models load, so a typo costs nothing. */
function outputFormat(out: string): 'png' | 'jpeg' | 'webp' {
  const format = OUTPUT_FORMATS[extname(out).toLowerCase()];
  if (!format)
    throw new StylecastError(
      'BAD_ARGUMENT',
      `--out ${out}: '${extname(out) || 'no extension'}' is not an image format stylize writes`,
      'end the file name in .png, .jpg or .webp',
    );
  return format;
}
