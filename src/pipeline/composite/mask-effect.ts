import type { Config, EffectName } from '../../config/schema.ts';
import { describeError } from '../../core/errors.ts';
import type { Frame } from '../../core/frame.ts';
import type { Effect, EffectContext } from '../effect.ts';
import type { CompositeOptions } from './compositor.ts';
import { PersonPipeline, personPipelineOptions } from './person-pipeline.ts';

/**
 * The shared shape of the mask effects: one PersonPipeline, one way to turn the config into composite
 * options. A frame that fails (a worker died, a model error) passes through unchanged and is logged
 * (at most once per 5 s), so a running daemon keeps streaming.
 */
export async function createMaskEffect(
  name: EffectName,
  context: EffectContext,
  options: (config: Config) => CompositeOptions,
  onUpdate?: (config: Config) => void,
): Promise<Effect> {
  const { log } = context;
  const people = await PersonPipeline.create(personPipelineOptions(context.config, log));
  let config = context.config;
  let failures = 0;
  let lastLogged = 0;
  return {
    name,
    async process(frame: Frame): Promise<Frame> {
      try {
        const composite = options(config);
        const mask = await people.mask(frame, composite.background);
        // The scheduler hands each frame to one effect call and keeps only the output: reuse its pixels.
        return await people.composite(frame, mask, { ...composite, reuseInput: true });
      } catch (error) {
        failures++;
        const now = performance.now();
        if (now - lastLogged > 5000) {
          lastLogged = now;
          log.error(`${name}: frame passed through unchanged: ${describeError(error)}`);
        }
        return frame;
      }
    },
    update(next: Config) {
      config = next;
      people.update(next.segmentation.mask);
      onUpdate?.(next);
    },
    stats: () => ({ ...people.stats(), failedFrames: failures }),
    dispose: () => people.dispose(),
  };
}
