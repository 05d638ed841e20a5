import type { EffectName } from '../config/schema.ts';
import { describeError } from '../core/errors.ts';
import type { Effect, EffectContext } from './effect.ts';
import { createEffect, EFFECT_FACTORIES } from './effects/index.ts';

/** Tried in order when the asked effect cannot be built (missing model, …): the stream must not stop. */
export const EFFECT_FALLBACKS: EffectName[] = ['blur-background', 'none'];

/**
 * Builds `name`; if that fails, logs one line and builds the first fallback that works.
 * Throws the original error only when nothing can be built.
 */
export async function createEffectWithFallback(name: EffectName, context: EffectContext): Promise<Effect> {
  try {
    return await createEffect(name, context);
  } catch (error) {
    for (const fallback of EFFECT_FALLBACKS.filter((f) => f !== name && EFFECT_FACTORIES[f])) {
      try {
        const effect = await createEffect(fallback, {
          ...context,
          config: { ...context.config, effect: { ...context.config.effect, name: fallback } },
        });
        context.log.warn(`effect '${name}' unavailable (${describeError(error)}); using '${fallback}'`);
        return effect;
      } catch {
        // try the next one
      }
    }
    throw error;
  }
}
