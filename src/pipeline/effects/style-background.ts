import type { Effect } from '../effect.ts';
import { createStyleEffect, type StyleEffectContext } from '../style/style-effect.ts';

/** style-background (the default effect): the live person over the stylized background plate; see src/pipeline/style/style-effect.ts. */
export const createStyleBackgroundEffect = (context: StyleEffectContext): Promise<Effect> =>
  createStyleEffect('style-background', context);
