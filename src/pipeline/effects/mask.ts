import { createMaskEffect } from '../composite/mask-effect.ts';
import type { EffectContext } from '../effect.ts';

/** Debug view: the final (smoothed, upsampled, feathered) mask as grey, white = person. */
export const createMaskViewEffect = (context: EffectContext) =>
  createMaskEffect('mask', context, () => ({ mode: 'mask' }));
