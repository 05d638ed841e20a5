import { createMaskEffect } from '../composite/mask-effect.ts';
import type { EffectContext } from '../effect.ts';

/** The person stays sharp; the background is blurred by effect.blurRadius pixels (person-aware, no halo). */
export const createBlurBackgroundEffect = (context: EffectContext) =>
  createMaskEffect('blur-background', context, (config) => ({
    mode: 'blend',
    background: { kind: 'blur', radius: config.effect.blurRadius },
  }));
