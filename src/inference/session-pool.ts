import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { createSession, type ModelSession, ortOptions, type SessionOptions } from './runtime.ts';

/**
 * Open sessions kept by (model, device, threads, optimization, isolation) so that switching effects or
 * styles back and forth does not reload a model. Sessions are reference-counted: release() on a pooled
 * handle returns it to the pool; idle ones beyond `maxIdle` are closed, least recently used first.
 * The pool is an object its owner (the daemon) creates and closes — not a global.
 */

interface Entry {
  key: string;
  opening: Promise<ModelSession>;
  users: number;
  lastUsed: number;
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly defaults: SessionOptions = {},
    private readonly maxIdle = 4,
  ) {}

  /** A session for this model; the same underlying session while any equal request holds it. */
  async acquire(model: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    if (this.closed) throw new Error('session pool is closed');
    const merged = { ...this.defaults, ...options };
    const key = poolKey(model, merged);
    let entry = this.entries.get(key);
    if (!entry) {
      const opening = createSession(model, merged);
      entry = { key, opening, users: 0, lastUsed: Date.now() };
      this.entries.set(key, entry);
      opening.catch(() => this.entries.delete(key));
    }
    entry.users++;
    entry.lastUsed = Date.now();
    let session: ModelSession;
    try {
      session = await entry.opening;
    } catch (error) {
      entry.users--;
      throw error;
    }
    return this.handle(entry, session);
  }

  /** Number of sessions open or opening (idle ones included). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map(async (e) => (await e.opening).release()));
  }

  private handle(entry: Entry, session: ModelSession): ModelSession {
    let returned = false;
    return {
      label: session.label,
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputs: session.inputs,
      outputs: session.outputs,
      provider: session.provider,
      run: (feeds, into) =>
        returned
          ? Promise.reject(new Error(`${session.label}: session already released`))
          : session.run(feeds, into),
      release: async () => {
        if (returned) return;
        returned = true;
        entry.users--;
        entry.lastUsed = Date.now();
        await this.evictIdle();
      },
    };
  }

  private async evictIdle(): Promise<void> {
    const idle = [...this.entries.values()]
      .filter((e) => e.users === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    const excess = idle.slice(0, Math.max(0, idle.length - this.maxIdle));
    for (const entry of excess) this.entries.delete(entry.key);
    await Promise.allSettled(excess.map(async (e) => (await e.opening).release()));
  }
}

/** Paths key by absolute path; bytes by their sha256 (two copies of one model share a session). */
export function poolKey(model: string | Uint8Array, options: SessionOptions): string {
  const source =
    typeof model === 'string'
      ? `path:${resolve(model)}`
      : `sha256:${createHash('sha256').update(model).digest('hex')}`;
  const o = ortOptions(options);
  const isolation = options.isolation ?? 'worker';
  return [source, o.device, o.threads, o.graphOptimization, o.spinning, isolation].join('|');
}
