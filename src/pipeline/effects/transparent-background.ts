import { createMaskEffect } from '../composite/mask-effect.ts';
import type { EffectContext } from '../effect.ts';

/** Alpha out: the frame's colours with the person mask as the alpha channel (straight alpha). */
export const createTransparentBackgroundEffect = (context: EffectContext) =>
  createMaskEffect('transparent-background', context, () => ({ mode: 'transparent' }));
