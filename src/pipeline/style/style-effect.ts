import type { Config } from '../../config/schema.ts';
import { type Frame, withPixels } from '../../core/frame.ts';
import { RollingWindow, round2, summarize } from '../../core/stats.ts';
import { PersonPipeline, personPipelineOptions } from '../composite/person-pipeline.ts';
import type { Effect, EffectContext } from '../effect.ts';
import { type StyledImage, StyleEngine } from './engine.ts';
import { StyleService } from './service.ts';

/**
 * The three style effects over one engine:
 *  - style-background: live person over the latest stylized background plate (the product's default);
 *  - style-person: the latest stylized frame where the person is, the live frame elsewhere;
 *  - style-frame: the latest stylized frame, whole.
 * process() never waits for a stylization: it composites whatever is newest (a blur until the first).
 */

export type StyleEffectName = 'style-background' | 'style-person' | 'style-frame';

/** EffectContext plus the daemon's shared style service (absent in `render` and benches: a private one). */
export type StyleEffectContext = EffectContext & { style?: StyleService };

export async function createStyleEffect(name: StyleEffectName, context: StyleEffectContext): Promise<Effect> {
  let config = context.config;
  const owned = context.style === undefined;
  // Offline (render) an unknown style is an error, not another painting (live `run` warns and goes on).
  const service =
    context.style ?? new StyleService(config, context.log, { strictStyle: config.input.realtime === false });
  let people: PersonPipeline | undefined;
  try {
    await service.open();
    await service.tuneFor(name);
    if (name !== 'style-frame')
      people = await PersonPipeline.create(personPipelineOptions(config, context.log));
  } catch (error) {
    if (owned) await service.dispose();
    throw error;
  }
  // Offline (render): every frame waits for the stylization it triggers, on the file's own clock, so a
  // render is complete and repeatable. Live: never wait.
  const offline = config.input.realtime === false;
  let filePtsMs = 0;
  const engine = new StyleEngine(service.backend, service.mixer, {
    target: name === 'style-background' ? 'background' : 'live',
    detail: config.style.detail,
    refreshFps: config.style.refreshFps,
    fullSize: true,
    // Offline renders have no idle time worth filling: every frame waits for its own stylization.
    prepaint: offline ? 0 : config.style.prepaint,
    prepaintCandidates: () => service.prepaintCandidates(),
    log: context.log,
    ...(offline ? { now: () => filePtsMs } : {}),
  });
  const onChanged = () => engine.poke();
  service.on('changed', onChanged);
  /** Command to the first frame in the new style (a pre-painted preview counts: it is in the new style). */
  const switchLatency = new RollingWindow(256);
  /** Command to the first full-detail frame in the new style. */
  const fullDetailLatency = new RollingWindow(256);
  /** Switches back to a style painted recently (its painting shown again): measured apart. */
  const recentSwitchLatency = new RollingWindow(256);
  /** Switches to a style neither recent nor pre-painted: they wait for a painting. */
  const coldSwitchLatency = new RollingWindow(256);
  let previewSwitches = 0;
  let shownChange = service.mixer.changeCount;
  let fullPending = false;
  let framesOut = 0;

  const noteShown = (styled: StyledImage | undefined): void => {
    if (!styled) return;
    const current = styled.change === service.mixer.changeCount && service.lastChangeAt > 0 && framesOut > 0;
    const sinceCommand = performance.now() - service.lastChangeAt;
    if (styled.change !== shownChange) {
      shownChange = styled.change;
      if (!current) return;
      (styled.recent ? recentSwitchLatency : switchLatency).push(sinceCommand);
      if (styled.prepainted) previewSwitches++;
      else if (!styled.recent) coldSwitchLatency.push(sinceCommand);
      fullPending = !styled.recent;
    }
    if (fullPending && current && !styled.single) {
      fullDetailLatency.push(sinceCommand);
      fullPending = false;
    }
  };

  const process = async (frame: Frame): Promise<Frame> => {
    filePtsMs = frame.pts * 1000;
    if (name === 'style-frame' || !people) {
      engine.observe(frame);
      if (offline) await engine.idle();
      const styled = engine.latest();
      noteShown(styled);
      framesOut++;
      if (!styled || styled.width !== frame.width || styled.height !== frame.height) return frame;
      return withPixels(frame, styled.rgba.slice());
    }
    const mask = await people.mask(frame);
    engine.observe(frame, mask);
    if (offline) await engine.idle();
    const styled = engine.latest();
    noteShown(styled);
    framesOut++;
    const image = styled && {
      kind: 'image' as const,
      data: styled.rgba,
      width: styled.width,
      height: styled.height,
    };
    if (name === 'style-background') {
      // The plate took what it needs from the frame in observe(): its pixels can carry the output.
      return people.composite(frame, mask, {
        reuseInput: true,
        mode: 'blend',
        foreground: { kind: 'frame' },
        background: image ?? { kind: 'blur', radius: config.effect.blurRadius },
      });
    }
    return people.composite(frame, mask, {
      mode: 'blend',
      foreground: image ?? { kind: 'frame' },
      background: { kind: 'frame' },
    });
  };

  return {
    name,
    // style-frame and style-person (and a background without a person mask) paint the newest frame
    // whenever the stylizer is free: the engine keeps it (observe()).
    keepsInputFrames: name !== 'style-background' || !people,
    process,
    update(next: Config) {
      config = next;
      people?.update(next.segmentation.mask);
      engine.setOptions({ detail: next.style.detail, refreshFps: next.style.refreshFps });
      if (owned) service.update(next);
    },
    stats() {
      const latency = summarize(switchLatency);
      return {
        ...(people?.stats() ?? {}),
        ...engine.stats(),
        style: service.mixer.style ?? '',
        strength: round2(service.mixer.strength),
        switchMsP50: latency.p50,
        switchMsP95: latency.p95,
        switches: latency.count,
        previewSwitches,
        fullDetailMsP50: summarize(fullDetailLatency).p50,
        fullDetailMsP95: summarize(fullDetailLatency).p95,
        recentSwitchMsP50: summarize(recentSwitchLatency).p50,
        coldSwitches: coldSwitchLatency.count,
        coldSwitchMsP50: summarize(coldSwitchLatency).p50,
        recentSwitches: recentSwitchLatency.count,
      };
    },
    async dispose() {
      service.off('changed', onChanged);
      engine.dispose();
      await people?.dispose();
      if (owned) await service.dispose();
    },
  };
}
