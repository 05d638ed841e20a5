import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../core/log.ts';
import type { Daemon } from '../../daemon.ts';
import { apiRunAddon } from '../api/run-addon.ts';
import { browserSourceRunAddon } from '../obs/browser-addon.ts';
import { obsRunAddon } from '../obs/run-addon.ts';

/**
 * Parts that start beside the daemon in `stylecast run` (HTTP API + preview page, OBS bridge, …).
 * Add yours to RUN_ADDONS with a one-line edit. start() runs after the daemon started; it returns the
 * lines `run` prints under "output" (e.g. "preview: http://127.0.0.1:8790/") and a stop function that
 * `run` awaits on Ctrl-C before the daemon stops. Missing OBS/GPU/camera must not throw: log and go on.
 * Throw a StylecastError only for user errors (a port in use …): `run` then exits with that one line.
 */
export interface RunAddonContext {
  daemon: Daemon;
  config: Config;
  log: Logger;
}

export interface RunAddonHandle {
  lines?: string[];
  stop?: () => Promise<void>;
}

export interface RunAddon {
  name: string;
  /**
   * Checks that can fail on a user error (a port in use …), run before the daemon starts: failing
   * there stops `run` before a recording has begun, so no stray short file is left behind.
   */
  preflight?(config: Config): Promise<void>;
  start(context: RunAddonContext): Promise<RunAddonHandle>;
}

export const RUN_ADDONS: RunAddon[] = [obsRunAddon, apiRunAddon, browserSourceRunAddon];
