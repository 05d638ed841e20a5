import type { Config } from '../../config/schema.ts';
import { describeError } from '../../core/errors.ts';
import type { Frame } from '../../core/frame.ts';
import { BackgroundLayer, loadBackground } from '../composite/background-image.ts';
import { PersonPipeline, personPipelineOptions } from '../composite/person-pipeline.ts';
import type { Effect, EffectContext } from '../effect.ts';

/**
 * The background becomes effect.background: a colour (#00b140) or an image (scaled to cover the frame).
 * A bad image at creation is a one-line error; a bad image given later (a command, a config reload) is
 * logged and the previous background stays.
 */
export async function createReplaceBackgroundEffect(context: EffectContext): Promise<Effect> {
  const { log } = context;
  let background = new BackgroundLayer(await loadBackground(context.config.effect.background));
  let wanted = context.config.effect.background;
  const people = await PersonPipeline.create(personPipelineOptions(context.config, log));
  let failures = 0;
  let lastLogged = 0;
  return {
    name: 'replace-background',
    async process(frame: Frame): Promise<Frame> {
      try {
        const mask = await people.mask(frame);
        const layer = await background.forSize(frame.width, frame.height);
        return await people.composite(frame, mask, { mode: 'blend', background: layer, reuseInput: true });
      } catch (error) {
        failures++;
        if (performance.now() - lastLogged > 5000) {
          lastLogged = performance.now();
          log.error(`replace-background: frame passed through unchanged: ${describeError(error)}`);
        }
        return frame;
      }
    },
    update(config: Config) {
      people.update(config.segmentation.mask);
      const next = config.effect.background;
      if (next === wanted) return;
      wanted = next;
      loadBackground(next).then(
        (source) => {
          if (wanted === next) background = new BackgroundLayer(source);
          log.info(`replace-background: background is now ${next}`);
        },
        (error: unknown) =>
          log.warn(`replace-background: keeping the previous background: ${describeError(error)}`),
      );
    },
    stats: () => ({ ...people.stats(), failedFrames: failures }),
    dispose: () => people.dispose(),
  };
}
