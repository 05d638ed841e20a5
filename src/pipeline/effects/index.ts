import type { EffectName } from '../../config/schema.ts';
import { StylecastError } from '../../core/errors.ts';
import type { Effect, EffectContext, EffectFactory } from '../effect.ts';
import { createNoneEffect } from './none.ts';

/** Effect name -> factory. Each effect is one file in this folder; add yours here. */
export const EFFECT_FACTORIES: Partial<Record<EffectName, EffectFactory>> = {
  none: createNoneEffect,
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
