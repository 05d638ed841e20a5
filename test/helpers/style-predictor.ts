import { modelEntry } from '../../src/inference/registry/index.ts';
import { openStylizer } from '../../src/inference/stylizer/open.ts';
import type { StylePredictor } from '../../src/pipeline/style/library.ts';
import { MODELS_DIR } from './shared.ts';

/** The real style-prediction model as a StyleLibrary predictor that counts its calls (one thread). */
export async function openCountingPredictor(): Promise<{
  predictor: StylePredictor & { calls: number };
  release: () => Promise<void>;
}> {
  const { stylizer } = await openStylizer({ variant: 'auto', modelsDir: MODELS_DIR, threads: 1 });
  const predictor = {
    calls: 0,
    modelHash: modelEntry('style-predict-int8').sha256,
    predict(rgba: Uint8Array, width: number, height: number) {
      predictor.calls++;
      return stylizer.predict(rgba, width, height);
    },
  };
  return { predictor, release: () => stylizer.release() };
}
