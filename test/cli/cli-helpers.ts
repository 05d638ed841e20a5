import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO } from '../helpers/shared.ts';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/stylecast.js …`) as a child process. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'stylecast.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, STYLECAST_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export const runCli = (args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> =>
  startCli(args, env).done;

/** Resolves when the child's stdout contains `text`. */
export function waitForOutput(child: ChildProcess, text: string, timeoutMs = 90_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' within ${timeoutMs} ms; got: ${seen}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * Exactly `error: …` then `hint: …` on stderr (info lines aside) and exit 1: no warning before it, no
 * raw errno text, no stack, never "this looks like a bug".
 */
export function expectOneError(result: CliResult, message: RegExp, hint: RegExp = /^hint: /): void {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('info '));
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(hint);
  expect(result.stderr).not.toMatch(/ENOENT|no such file|looks like a bug|\n\s+at /);
}
