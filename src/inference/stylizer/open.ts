import type { DeviceName } from '../../config/schema.ts';
import type { Logger } from '../../core/log.ts';
import { createSession } from '../runtime.ts';
import { loadStyleModelBytes, type StyleVariant } from './models.ts';
import { Stylizer } from './stylizer.ts';

export interface OpenStylizerOptions {
  variant: StyleVariant | 'auto';
  modelsDir?: string;
  device?: DeviceName;
  threads?: number;
  log?: Logger;
}

/** A stylizer on the calling thread (CLI, tests, benches); the daemon uses the worker instead. */
export async function openStylizer(
  options: OpenStylizerOptions,
): Promise<{ stylizer: Stylizer; variant: StyleVariant }> {
  const bytes = await loadStyleModelBytes(options.variant, {
    modelsDir: options.modelsDir,
    log: options.log,
  });
  const common = {
    device: options.device,
    threads: options.threads,
    log: options.log,
    isolation: 'inline',
  } as const;
  const predict = await createSession(bytes.predict, { ...common, label: 'style predict' });
  const transform = await createSession(bytes.transform, {
    ...common,
    label: `style transform (${bytes.variant})`,
  });
  return { stylizer: new Stylizer(predict, transform), variant: bytes.variant };
}
