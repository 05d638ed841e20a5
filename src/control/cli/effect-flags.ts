import type { Command } from 'commander';
import { SEGMENTATION_MODELS } from '../../config/schema.ts';
import { numberFlag, segmentationModelFlag, unitFlag } from './flags.ts';

/**
 * The effect and mask options `run` and `render` share, named the way the panel, the API
 * (`/mask/set`) and obs-backgroundremoval's users know them. Each one only overrides the config file
 * when given; ranges are checked once more by the config schema.
 */
export interface EffectFlags {
  effect?: string;
  style?: string;
  model?: string;
  background?: string;
  blurRadius?: number;
  threshold?: number;
  smoothContour?: number;
  feather?: number;
  temporalSmoothing?: number;
  skipSimilarFrames?: boolean;
}

export function addEffectOptions(command: Command, effectHelp: string): Command {
  return (
    command
      .option('-e, --effect <name>', effectHelp)
      .option('-s, --style <name>', 'style name or image for the style effects')
      .option(
        '-m, --model <name>',
        `segmentation model: ${SEGMENTATION_MODELS.join(', ')}`,
        segmentationModelFlag,
      )
      .option('-b, --background <image|color>', 'replace-background: an image file or a colour like #00b140')
      .option(
        '--blur-radius <px>',
        'blur-background: blur radius (1-100)',
        numberFlag('--blur-radius', { min: 1, max: 100 }),
      )
      .option('--threshold <0..1>', 'mask: person probability threshold', unitFlag('--threshold'))
      .option(
        '--smooth-contour <0..1>',
        'mask: small-island removal and contour smoothing',
        unitFlag('--smooth-contour'),
      )
      .option('--feather <0..1>', 'mask: edge feather width', unitFlag('--feather'))
      .option(
        '--temporal-smoothing <0..1>',
        'mask: 0 = off, higher = steadier edges',
        unitFlag('--temporal-smoothing'),
      )
      // Both forms, so that neither given leaves the config's value alone.
      .option('--skip-similar-frames', 'mask: reuse the mask when a frame barely changed (default)')
      .option('--no-skip-similar-frames', 'mask: run the model on every frame')
  );
}

/** The config layer these flags make (undefined values leave lower layers alone). */
export function effectConfigFlags(f: EffectFlags): Record<string, unknown> {
  return {
    effect: { name: f.effect, background: f.background, blurRadius: f.blurRadius },
    style: { name: f.style },
    segmentation: {
      model: f.model,
      mask: {
        threshold: f.threshold,
        smoothContour: f.smoothContour,
        feather: f.feather,
        temporalSmoothing: f.temporalSmoothing,
        skipSimilarFrames: f.skipSimilarFrames,
      },
    },
  };
}
