import cliProgress from 'cli-progress';
import { StylecastError } from '../../core/errors.ts';
import type { PullProgress } from '../../inference/registry/index.ts';

/** The progress of one download (`models pull`, `styles pull`) on stderr: a bar on a terminal, retries as lines. */
export function progressBar(name: string): { update: (e: PullProgress) => void; stop: () => void } {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: `${name.padEnd(26)} {bar} {percentage}% {value}/{total} bytes`, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let stopped = false;
  return {
    update(event) {
      if (stopped) return;
      if (event.status === 'retry') {
        if (started) bar?.stop();
        started = false; // the next progress event starts a fresh bar below the line
        process.stderr.write(`${name}: ${event.url}: ${event.reason}; ${event.next}\n`);
        return;
      }
      if (event.status !== 'progress' || !bar) return;
      if (!started) {
        bar.start(event.total, event.loaded);
        started = true;
      } else bar.update(event.loaded);
    },
    stop() {
      if (started && !stopped) bar?.stop();
      stopped = true;
    },
  };
}

/** `--timeout <seconds>` for the pull commands. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new StylecastError(
      'BAD_ARGUMENT',
      `--timeout must be a number of seconds above 0, not '${value}'`,
      'e.g. --timeout 60',
    );
  }
  return seconds;
}
