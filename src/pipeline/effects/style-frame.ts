import type { Effect } from '../effect.ts';
import { createStyleEffect, type StyleEffectContext } from '../style/style-effect.ts';

/** style-frame: see src/pipeline/style/style-effect.ts. */
export const createStyleFrameEffect = (context: StyleEffectContext): Promise<Effect> =>
  createStyleEffect('style-frame', context);
