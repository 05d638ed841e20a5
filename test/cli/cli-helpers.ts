import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
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
