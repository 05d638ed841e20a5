import type { Effect } from '../effect.ts';
import { createStyleEffect, type StyleEffectContext } from '../style/style-effect.ts';

/** style-person: see src/pipeline/style/style-effect.ts. */
export const createStylePersonEffect = (context: StyleEffectContext): Promise<Effect> =>
  createStyleEffect('style-person', context);
