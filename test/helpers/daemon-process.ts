import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './shared.ts';

export { countDecodedFrames, probeDuration } from './media-probe.ts';

/**
 * `stylecast run` as a real child process, observed from outside the way an operator would:
 * its stdout/stderr lines, its HTTP API (/api/v1/stats, /api/v1/status) and its child processes
 * (found through /proc, so a test can kill or stop the real ffmpeg). Used by test/faults,
 * test/bad-input, test/obs and bench/soak.ts. stop() always leaves no process behind.
 */

export interface ChildInfo {
  pid: number;
  argv: string[];
  role: 'capture' | 'recorder' | 'obs-sink' | 'other';
}

export interface ApiStats {
  fps: number;
  frames: number;
  dropped: number;
  latencyMs: { p50: number; p95: number };
  sinks: { name: string; state: string; written: number; dropped: number; detail?: string }[];
}

export interface RunningDaemon {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** http://127.0.0.1:PORT (the API base), once the panel line was printed. */
  readonly base: string;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  api<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  stats(): Promise<ApiStats>;
  /** Output frame count now; polls until it grows by `by` or throws after timeoutMs. */
  waitForFrames(by: number, timeoutMs: number): Promise<number>;
  children(): ChildInfo[];
  child(role: ChildInfo['role']): ChildInfo | undefined;
  waitForChild(role: ChildInfo['role'], timeoutMs: number, other?: number): Promise<ChildInfo>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * `signal` (SIGTERM, or SIGINT for a streamer's Ctrl-C), then SIGKILL to it and its children if it has
   * not exited within graceMs.
   */
  stop(
    graceMs?: number,
    signal?: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The small, cheap live input most daemon tests run on: the test pattern at 320x180@15. */
export const SMALL_TEST_INPUT = ['--input', 'test', '--width', '320', '--height', '180', '--fps', '15'];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A temp dir removed by the returned function. */
export function tempDir(prefix = 'stylecast-fault-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Children of `pid` right now, read from /proc/<pid>/stat (field 4 is the parent pid). */
export function childrenOf(pid: number): ChildInfo[] {
  const out: ChildInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm may hold spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(entry), argv, role: roleOf(argv) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function roleOf(argv: string[]): ChildInfo['role'] {
  if (!/ffmpeg/.test(argv[0] ?? '')) return 'other';
  const joined = argv.join(' ');
  if (joined.includes('pipe:1') || joined.includes('?listen=1')) return 'capture';
  if (/tcp:\/\/|-f nut/.test(joined)) return 'obs-sink';
  if (joined.includes('pipe:0')) return 'recorder';
  return 'other';
}

/** Process state letter (R, S, T = stopped, Z) or undefined when it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  /** Arguments after `run`; --port 0 and --stats-every 1 are added unless given. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Wait for the API line (default true); false for runs expected to fail at start-up. */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

export async function startDaemon(options: StartOptions): Promise<RunningDaemon> {
  const args = [...options.args];
  if (!args.includes('--port')) args.push('--port', '0');
  if (!args.includes('--stats-every')) args.push('--stats-every', '1');
  const proc = spawn(process.execPath, [join(REPO, 'bin', 'stylecast.js'), 'run', ...args], {
    cwd: REPO,
    env: { ...process.env, STYLECAST_LOG_JSON: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 2_000_000) text = text.slice(-1_000_000); // long soaks: keep the tail only
    for (const wake of waiters) wake();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((info) => {
    exitInfo = info;
  });

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = text.match(pattern);
        if (match) return done(() => resolve(match[0]));
        if (exitInfo)
          return done(() =>
            reject(
              new Error(
                `daemon exited (${JSON.stringify(exitInfo)}) before ${pattern}:\n${text.slice(-3000)}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text.slice(-3000)}`))),
        timeoutMs,
      );
      const done = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });

  let base = '';
  const children = () => (proc.pid ? childrenOf(proc.pid) : []);
  const daemon: RunningDaemon = {
    proc,
    pid: proc.pid ?? -1,
    get base() {
      return base;
    },
    output: () => text,
    waitForOutput,
    async api<T>(path: string, init?: RequestInit): Promise<T> {
      const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
      return (await response.json()) as T;
    },
    stats: () => daemon.api<ApiStats>('/api/v1/stats'),
    async waitForFrames(by, timeoutMs) {
      const start = (await daemon.stats()).frames;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = (await daemon.stats()).frames;
        if (now >= start + by) return now;
        if (Date.now() > deadline)
          throw new Error(
            `output frames went ${start} -> ${now} in ${timeoutMs} ms (wanted +${by}):\n${text.slice(-2000)}`,
          );
        await sleep(100);
      }
    },
    children,
    child: (role) => children().find((c) => c.role === role),
    async waitForChild(role, timeoutMs, other) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = children().find(
          (c) => c.role === role && c.pid !== other && processState(c.pid) !== 'T',
        );
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${role} ffmpeg child within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    exited,
    async stop(graceMs = 15_000, signal: NodeJS.Signals = 'SIGTERM') {
      if (!exitInfo) {
        const kids = children();
        proc.kill(signal);
        const timer = setTimeout(() => {
          for (const kid of children().length ? children() : kids) killQuietly(kid.pid);
          proc.kill('SIGKILL');
        }, graceMs);
        await exited;
        clearTimeout(timer);
        // ffmpeg children in their own process group outlive a SIGKILLed parent: reap them too.
        for (const kid of kids) killQuietly(kid.pid);
      }
      return exited;
    },
  };

  if (options.waitReady !== false) {
    try {
      const line = await waitForOutput(/control panel: (http:\/\/[^\s/]+)/, options.readyTimeoutMs ?? 25_000);
      base = line.replace('control panel: ', '');
    } catch (error) {
      await daemon.stop(2000);
      throw error;
    }
  }
  return daemon;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
