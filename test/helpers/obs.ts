import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js/json';
import sharp from 'sharp';
import { CommandBus } from '../../src/control/commands.ts';
import { ObsIntegration } from '../../src/control/obs/integration.ts';
import { type Frame, solidFrame } from '../../src/core/frame.ts';
import { clock32, drawTimecode } from '../../src/output/timecode.ts';

/**
 * Real OBS Studio under Xvfb for tests (facts in ../shared/notes/obs-headless.md): a fresh config dir,
 * a free X display, a random obs-websocket port and password. Every process started here is killed by stop().
 * Usable by any test: `const obs = await startObs(); … await obs.stop();` (put stop() in afterAll).
 */

export interface ObsOptions {
  /** false writes ServerEnabled=false: an OBS without a reachable obs-websocket. */
  websocket?: boolean;
  width?: number;
  height?: number;
  fps?: number;
  /** Log OBS's stdout/stderr to this test's stderr (debugging). */
  verbose?: boolean;
  /** A scene collection JSON file OBS loads at start (e.g. one of obs-scene-templates/). */
  sceneCollection?: string;
}

export interface ObsInstance {
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly display: string;
  /** Where OBS writes recordings (SimpleOutput FilePath). */
  readonly recordDir: string;
  readonly home: string;
  /** An identified obs-websocket client for the test's own requests (reconnected by restart()). */
  client(): Promise<OBSWebSocket>;
  /** SIGKILL OBS only (Xvfb stays): a crash as the daemon sees it. */
  kill(): Promise<void>;
  /** Start OBS again with the same config (after kill()). */
  relaunch(): Promise<void>;
  /** Kill OBS and Xvfb and remove the config dir. Idempotent. */
  stop(): Promise<void>;
}

/** The environment that points stylecast at this OBS (obs-websocket URL and password). */
export const obsEnv = (obs: Pick<ObsInstance, 'url' | 'password'>): Record<string, string> => ({
  OBS_WEBSOCKET_URL: obs.url,
  OBS_WEBSOCKET_PASSWORD: obs.password,
});

/**
 * stylecast's OBS side against a test OBS, started: it installs `sourceName` (a Media Source reading
 * `streamPort`) in the scene 'stylecast' and turns CustomEvents into commands on `bus`.
 */
export async function startObsIntegration(
  obs: Pick<ObsInstance, 'url' | 'password'>,
  options: {
    sourceName: string;
    streamPort: number;
    bus?: CommandBus;
    sceneStyles?: Record<string, string>;
    backoff?: { initialMs: number; maxMs: number };
  },
): Promise<ObsIntegration> {
  const integration = new ObsIntegration(
    {
      url: obs.url,
      password: obs.password,
      scene: 'stylecast',
      sourceName: options.sourceName,
      streamPort: options.streamPort,
      sceneStyles: options.sceneStyles ?? {},
      install: true,
    },
    options.bus ?? new CommandBus(),
    undefined,
    options.backoff ? { backoff: options.backoff } : {},
  );
  await integration.start();
  return integration;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Xvfb picks a free display itself and writes its number to fd 3 (-displayfd). */
async function startXvfb(): Promise<{ proc: ChildProcess; display: string }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const fd3 = proc.stdio[3] as NodeJS.ReadableStream;
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display in 10 s')), 10_000);
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code}`));
    });
  });
  return { proc, display };
}

function writeObsConfig(
  cfg: string,
  o: { port: number; password: string; websocket: boolean; w: number; h: number; fps: number; rec: string },
): void {
  const obsDir = join(cfg, 'obs-studio');
  const profile = join(obsDir, 'basic', 'profiles', 'stylecast-test');
  mkdirSync(profile, { recursive: true });
  mkdirSync(join(obsDir, 'basic', 'scenes'), { recursive: true });
  writeFileSync(
    join(obsDir, 'global.ini'),
    [
      '[General]',
      'FirstRun=true',
      'LastVersion=486539266',
      'EnableAutoUpdates=false',
      'ConfirmOnExit=false',
      '',
      '[Basic]',
      'Profile=stylecast-test',
      'ProfileDir=stylecast-test',
      'SceneCollection=stylecast-test',
      'SceneCollectionFile=stylecast-test',
      '',
      '[OBSWebSocket]',
      'FirstLoad=false',
      `ServerEnabled=${o.websocket}`,
      `ServerPort=${o.port}`,
      'AlertsEnabled=false',
      'AuthRequired=true',
      `ServerPassword=${o.password}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(profile, 'basic.ini'),
    [
      '[General]',
      'Name=stylecast-test',
      '',
      '[Video]',
      `BaseCX=${o.w}`,
      `BaseCY=${o.h}`,
      `OutputCX=${o.w}`,
      `OutputCY=${o.h}`,
      'FPSType=0',
      `FPSCommon=${o.fps}`,
      '',
      '[Output]',
      'Mode=Simple',
      '',
      '[SimpleOutput]',
      `FilePath=${o.rec}`,
      'RecFormat=mkv',
      'RecEncoder=x264',
      'Preset=ultrafast',
      '',
    ].join('\n'),
  );
}

/** Polls GetVersion until OBS answers (0.5-0.8 s after start on these machines). */
async function waitForObs(url: string, password: string, proc: ChildProcess, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`OBS exited with ${proc.exitCode} before it answered`);
    const obs = new OBSWebSocket();
    try {
      await obs.connect(url, password);
      await obs.call('GetVersion');
      return obs;
    } catch (error) {
      lastError = error;
      await obs.disconnect().catch(() => {});
      await sleep(150);
    }
  }
  throw new Error(`OBS did not answer GetVersion in ${timeoutMs} ms: ${String(lastError)}`);
}

async function killAndWait(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await Promise.race([exited, sleep(5000)]);
}

export async function startObs(options: ObsOptions = {}): Promise<ObsInstance> {
  const websocket = options.websocket ?? true;
  const home = mkdtempSync(join(tmpdir(), 'stylecast-obs-'));
  const recordDir = join(home, 'recordings');
  mkdirSync(recordDir, { recursive: true });
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const url = `ws://127.0.0.1:${port}`;
  writeObsConfig(join(home, 'cfg'), {
    port,
    password,
    websocket,
    w: options.width ?? 640,
    h: options.height ?? 360,
    fps: options.fps ?? 30,
    rec: recordDir,
  });

  if (options.sceneCollection) {
    copyFileSync(
      options.sceneCollection,
      join(home, 'cfg', 'obs-studio', 'basic', 'scenes', 'stylecast-test.json'),
    );
  }
  const xvfb = await startXvfb();
  let obsProc: ChildProcess | undefined;
  let testClient: OBSWebSocket | undefined;
  let stopped = false;

  const launch = async () => {
    obsProc = spawn(
      'obs',
      ['--multi', '--disable-updater', '--disable-missing-files-check', '--minimize-to-tray'],
      {
        env: {
          ...process.env,
          HOME: home,
          XDG_CONFIG_HOME: join(home, 'cfg'),
          DISPLAY: xvfb.display,
          LIBGL_ALWAYS_SOFTWARE: '1',
        },
        cwd: home,
        stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', options.verbose ? 'inherit' : 'ignore'],
      },
    );
    if (websocket) testClient = await waitForObs(url, password, obsProc);
    else await sleep(1500); // no websocket to poll: give it time to come up.
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await testClient?.disconnect().catch(() => {});
    await killAndWait(obsProc);
    await killAndWait(xvfb.proc, 'SIGTERM');
    rmSync(home, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    password,
    display: xvfb.display,
    recordDir,
    home,
    async client() {
      if (!testClient?.identified) testClient = await waitForObs(url, password, obsProc!);
      return testClient;
    },
    async kill() {
      await testClient?.disconnect().catch(() => {});
      testClient = undefined;
      await killAndWait(obsProc);
    },
    relaunch: launch,
    stop,
  };
}

/** Decodes GetSourceScreenshot's data URL into raw RGBA. */
export async function screenshotRgba(
  obs: OBSWebSocket,
  sourceName: string,
  width?: number,
  height?: number,
): Promise<{ width: number; height: number; data: Buffer }> {
  const shot = await obs.call('GetSourceScreenshot', {
    sourceName,
    imageFormat: 'png',
    ...(width ? { imageWidth: width } : {}),
    ...(height ? { imageHeight: height } : {}),
  });
  const png = Buffer.from(shot.imageData.replace(/^data:image\/png;base64,/, ''), 'base64');
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** A solid frame with a timecode (Date-based clock32) in its top-left corner. */
export function stampedFrame(
  width: number,
  height: number,
  rgba: [number, number, number, number],
  seq = 0,
): Frame {
  const frame = solidFrame(width, height, rgba, seq);
  drawTimecode(frame.data, width, height, clock32());
  return frame;
}

/** The RGBA of the pixel at (x, y). */
export const pixelAt = (shot: { width: number; data: Buffer }, x: number, y: number): number[] => {
  const p = (y * shot.width + x) * 4;
  return [shot.data[p], shot.data[p + 1], shot.data[p + 2], shot.data[p + 3]];
};

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      const value = await probe();
      if (value !== undefined) return { value, ms: performance.now() - start };
    } catch {
      // not there yet (e.g. OBS answers 702 before the source has a frame)
    }
    await sleep(everyMs);
  }
  return undefined;
}
