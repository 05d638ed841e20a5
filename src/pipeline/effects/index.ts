import type { EffectName } from '../../config/schema.ts';
import { StylecastError } from '../../core/errors.ts';
import type { Effect, EffectContext, EffectFactory } from '../effect.ts';
import { createBlurBackgroundEffect } from './blur-background.ts';
import { createMaskViewEffect } from './mask.ts';
import { createNoneEffect } from './none.ts';
import { createReplaceBackgroundEffect } from './replace-background.ts';
import { createStyleBackgroundEffect } from './style-background.ts';
import { createStyleFrameEffect } from './style-frame.ts';
import { createStylePersonEffect } from './style-person.ts';
import { createTransparentBackgroundEffect } from './transparent-background.ts';

/** Effect name -> factory. Each effect is one file in this folder; add yours here. */
export const EFFECT_FACTORIES: Partial<Record<EffectName, EffectFactory>> = {
  none: createNoneEffect,
  'blur-background': createBlurBackgroundEffect,
  'replace-background': createReplaceBackgroundEffect,
  'transparent-background': createTransparentBackgroundEffect,
  mask: createMaskViewEffect,
  'style-background': createStyleBackgroundEffect,
  'style-person': createStylePersonEffect,
  'style-frame': createStyleFrameEffect,
};

export async function createEffect(name: EffectName, context: EffectContext): Promise<Effect> {
  const factory = EFFECT_FACTORIES[name];
  if (!factory) {
    throw new StylecastError(
      'UNKNOWN_EFFECT',
      `effect '${name}' is not available`,
      `available: ${Object.keys(EFFECT_FACTORIES).join(', ')}`,
    );
  }
  return factory(context);
}
