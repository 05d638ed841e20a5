import type { Effect } from '../effect.ts';

/** Passes frames through untouched: the pipeline's baseline. */
export async function createNoneEffect(): Promise<Effect> {
  return {
    name: 'none',
    process: async (frame) => frame,
    dispose: async () => {},
  };
}
