import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { type ConfigInput, ConfigSchema } from '../../src/config/schema.ts';
import { DaemonTarget } from '../../src/control/api/daemon-target.ts';
import { ApiServer } from '../../src/control/api/server.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { MODELS_DIR, STYLES_DIR } from '../helpers/shared.ts';

/**
 * A real daemon (test pattern input, effect none: fast) with the real API server on a free port.
 * Styles come from the shared style folder (read only); uploads go to a temp folder.
 */
export interface Harness {
  daemon: Daemon;
  server: ApiServer;
  target: DaemonTarget;
  base: string;
  uploadDir: string;
  styleDir: string;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { config?: ConfigInput; host?: string; token?: string; statsIntervalMs?: number } = {},
): Promise<Harness> {
  const uploadDir = mkdtempSync(join(tmpdir(), 'stylecast-api-'));
  // The style folder is a temp folder of links to the shared paintings: uploads land there, never in shared.
  const styleDir = join(uploadDir, 'styles');
  mkdirSync(styleDir);
  for (const file of readdirSync(STYLES_DIR))
    if (/\.(jpe?g|png|webp)$/i.test(file)) symlinkSync(join(STYLES_DIR, file), join(styleDir, file));
  const config = ConfigSchema.parse({
    input: { source: 'test', width: 320, height: 180, fps: 15 },
    effect: { name: 'none' },
    obs: { enabled: false },
    record: { dir: uploadDir },
    style: { folder: styleDir },
    inference: { modelsDir: MODELS_DIR },
    ...options.config,
  });
  const daemon = new Daemon({ config, log: silentLogger() });
  await daemon.start();
  const target = new DaemonTarget({ daemon, obsEnabled: false });
  const server = new ApiServer({
    target,
    host: options.host ?? '127.0.0.1',
    port: 0,
    token: options.token,
    configDir: uploadDir,
    statsIntervalMs: options.statsIntervalMs,
  });
  await server.start();
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    daemon,
    server,
    target,
    base: `http://${host}:${server.port}`,
    uploadDir,
    styleDir,
    stop: async () => {
      await server.stop();
      target.dispose();
      await daemon.stop();
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}

/** A WebSocket client that keeps every message, for tests and the bench. */
export class TestClient {
  readonly messages: Record<string, unknown>[] = [];
  /** Replies (messages with `ok`) received so far. */
  replies = 0;
  private waiters: {
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        message = { raw: String(data) };
      }
      this.messages.push(message);
      if ('ok' in message) this.replies++;
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** The next message (already received or future) that matches. */
  next(match: (m: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request with a fresh id and waits for its reply. */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `r${this.nextId++}`;
    const reply = this.next((m) => m.id === id);
    this.ws.send(JSON.stringify({ id, ...body }));
    return reply;
  }

  close(): void {
    this.ws.close();
  }
}
