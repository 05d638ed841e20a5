import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import sharp from 'sharp';
import { loadConfig } from '../../config/load.ts';
import { SEGMENTATION_MODELS } from '../../config/schema.ts';
import { StylecastError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { segmentRgba } from '../../pipeline/mask/segment-image.ts';
import { readImageRgba } from '../../pipeline/style/image.ts';
import { segmentationModelFlag, unitFlag } from './flags.ts';

/** `stylecast segment <image> --out <mask.png> [--model NAME]`: one image -> 8-bit greyscale person mask. */
export function registerSegment(program: Command): void {
  program
    .command('segment')
    .description('write the person mask of one image as an 8-bit greyscale PNG (255 = person)')
    .argument('<image>', 'input image (JPEG, PNG, WebP)')
    .requiredOption('-o, --out <mask.png>', 'output PNG path')
    .option(
      '-m, --model <name>',
      `segmentation model (${SEGMENTATION_MODELS.join(', ')})`,
      segmentationModelFlag,
    )
    .option('--threshold <0..1>', 'person probability threshold', unitFlag('--threshold'))
    .option('--models-dir <dir>', 'folder with the model files')
    .action(async (image: string, flags: SegmentFlags) => {
      await runSegment(image, flags);
    });
}

interface SegmentFlags {
  out: string;
  model?: string;
  threshold?: number;
  modelsDir?: string;
}

async function runSegment(image: string, flags: SegmentFlags): Promise<void> {
  const log = createLogger();
  if (!existsSync(dirname(resolve(flags.out))))
    throw new StylecastError(
      'OUTPUT_FAILED',
      `cannot write ${flags.out}: folder ${dirname(resolve(flags.out))} does not exist`,
      'create the folder first or choose another --out',
    );
  const config = loadConfig({
    flags: {
      segmentation: {
        ...(flags.model ? { model: flags.model } : {}),
        ...(flags.threshold !== undefined ? { mask: { threshold: flags.threshold } } : {}),
      },
      inference: flags.modelsDir ? { modelsDir: flags.modelsDir } : {},
    },
  });
  const input = await readImageRgba(image);
  const mask = await segmentRgba(input.rgba, input.width, input.height, {
    model: config.segmentation.model,
    mask: config.segmentation.mask,
    inference: config.inference,
    log,
  });
  try {
    await sharp(mask.grey, { raw: { width: mask.width, height: mask.height, channels: 1 } })
      .toColourspace('b-w') // one 8-bit grey channel, not sRGB
      .png()
      .toFile(flags.out);
  } catch (error) {
    throw new StylecastError(
      'OUTPUT_FAILED',
      `cannot write ${flags.out} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      'check that the folder exists and is writable',
    );
  }
  log.info(`wrote ${flags.out} (${mask.width}x${mask.height}, model ${config.segmentation.model})`);
}
