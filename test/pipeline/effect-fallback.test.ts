import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { StylecastError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/log.ts';
import type { EffectFactory } from '../../src/pipeline/effect.ts';
import { createEffectWithFallback } from '../../src/pipeline/effect-fallback.ts';
import { EFFECT_FACTORIES } from '../../src/pipeline/effects/index.ts';

const saved = { ...EFFECT_FACTORIES };
afterEach(() => {
  for (const key of Object.keys(EFFECT_FACTORIES) as (keyof typeof EFFECT_FACTORIES)[])
    delete EFFECT_FACTORIES[key];
  Object.assign(EFFECT_FACTORIES, saved);
});

const missingModel: EffectFactory = async () => {
  throw new StylecastError('MODEL_NOT_FOUND', 'model magenta_style_transform not found');
};

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger({ destination, level: 'info', json: false }) };
}

describe('createEffectWithFallback', () => {
  it('an effect that cannot be built falls back with exactly one log line', async () => {
    EFFECT_FACTORIES['style-frame'] = missingModel;
    EFFECT_FACTORIES['blur-background'] = missingModel;
    const { lines, log } = capturingLogger();
    const config = validateConfig({ effect: { name: 'style-frame' } });
    const effect = await createEffectWithFallback('style-frame', { config, log });
    expect(effect.name).toBe('none');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /effect 'style-frame' unavailable \(model magenta_style_transform not found\); using 'none'/,
    );
  });

  it('the asked effect is used when it builds', async () => {
    const { lines, log } = capturingLogger();
    const effect = await createEffectWithFallback('none', { config: validateConfig({}), log });
    expect(effect.name).toBe('none');
    expect(lines).toHaveLength(0);
  });
});
