import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { media } from '../helpers/shared.ts';
import { type CliResult, expectOneError, startCli } from './cli-helpers.ts';

/**
 * Outputs that cannot be written: /proc takes no new files or folders (Node 20's recursive mkdir
 * spun forever there, deaf to SIGTERM), and a port in use must stop `run` before its recording starts.
 */

const dir = mkdtempSync(join(tmpdir(), 'stylecast-unwritable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RUN = [
  'run',
  '--no-obs',
  '--duration',
  '3',
  '--stats-every',
  '0',
  '--input',
  'test',
  '--effect',
  'none',
];
const CLIP = media('video', 'person_indoor_576x576_4s.mp4');

/** The CLI, killed (code null) if it has not ended by itself within `limitMs`. */
async function cliWithin(args: string[], limitMs: number): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const { child, done } = startCli(args, { STYLECAST_LOG_JSON: '0', STYLECAST_DEBUG: '' });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const result = await done;
  clearTimeout(timer);
  return { ...result, ms: performance.now() - started };
}

describe.runIf(existsSync('/proc/self'))(
  'outputs that cannot be written (real CLI)',
  { timeout: 60_000 },
  () => {
    it('run --record under /proc ends within seconds with one error line', async () => {
      const result = await cliWithin(
        [...RUN, '--port', '0', '--record', '/proc/stylecast-nope/x.mkv'],
        30_000,
      );
      expectOneError(
        result,
        /^error: cannot record to \/proc\/stylecast-nope\/x\.mkv: cannot create the folder \/proc\/stylecast-nope: \/proc does not allow new files or folders$/,
      );
      expect(result.ms).toBeLessThan(20_000);
    });

    it('render to a folder under /proc ends within seconds with one error line', async () => {
      const result = await cliWithin(
        ['render', CLIP, '/proc/stylecast-nope/x.mkv', '--effect', 'none', '--no-progress'],
        30_000,
      );
      expectOneError(
        result,
        /^error: cannot create the folder \/proc\/stylecast-nope: \/proc does not allow new files or folders$/,
      );
      expect(result.ms).toBeLessThan(20_000);
    });

    it('run --record into /proc itself: one error line, not a warning plus the raw ENOENT', async () => {
      const result = await cliWithin([...RUN, '--port', '0', '--record', '/proc/stylecast-nope.mkv'], 30_000);
      expectOneError(
        result,
        /^error: cannot record to \/proc\/stylecast-nope\.mkv: \/proc does not allow new files or folders$/,
      );
    });
  },
);

describe('run --port in use --record (real CLI)', { timeout: 60_000 }, () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => busy.close(r)));

  it('stops before the recording starts: no show-2.mkv left behind', async () => {
    const folder = join(dir, 'port');
    mkdirSync(folder);
    const show = join(folder, 'show.mkv');
    writeFileSync(show, 'an earlier show'); // so a recording that started would have made show-2.mkv
    const result = await cliWithin([...RUN, '--port', String(busyPort), '--record', show], 30_000);
    expectOneError(result, new RegExp(`^error: port ${busyPort} on 127\\.0\\.0\\.1 is in use$`));
    expect(readdirSync(folder)).toEqual(['show.mkv']);
  });
});
