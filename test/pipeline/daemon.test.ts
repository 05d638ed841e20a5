import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/capture/probe.ts';
import { validateConfig } from '../../src/config/load.ts';
import { CommandError } from '../../src/control/commands.ts';
import type { Frame } from '../../src/core/frame.ts';
import type { FrameHold, FrameLease } from '../../src/core/frame-lease.ts';
import type { FrameSink, SinkStats } from '../../src/core/lifecycle.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { EFFECT_FACTORIES } from '../../src/pipeline/effects/index.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-daemon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Daemon (real ffmpeg, test pattern)', () => {
  it('switches effect through the bus between frames, records on command, reports stats', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
      record: { dir },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const frames: Frame[] = [];
    const states: string[] = [];
    daemon.on('frame', (f: Frame) => frames.push(f));
    daemon.on('state', (s: { state: string }) => states.push(s.state));
    // A second effect that marks its frames, registered the way effect files do.
    const saved = { mask: EFFECT_FACTORIES.mask, stylePerson: EFFECT_FACTORIES['style-person'] };
    EFFECT_FACTORIES['style-person'] = async () => {
      throw new Error('style model missing');
    };
    EFFECT_FACTORIES.mask = async () => ({
      name: 'mask',
      process: async (frame) => ({ ...frame, data: new Uint8Array(frame.data.length).fill(7) }),
      dispose: async () => {},
    });
    try {
      await daemon.start();
      const recording = (await daemon.bus.execute({ command: 'record', action: 'start' }, 'cli')) as {
        path: string;
      };
      await sleep(800);
      const beforeSwitch = frames.length;
      expect(await daemon.bus.execute({ command: 'effect', name: 'mask' }, 'api')).toEqual({
        effect: 'mask',
      });
      await sleep(800);
      const stats = daemon.stats();
      expect(stats.effect).toBe('mask');
      expect(daemon.latestFrame()?.data[0]).toBe(7);
      expect(frames.length).toBeGreaterThan(beforeSwitch + 10); // output never paused for the switch
      const seqs = frames.filter((f, i) => i === 0 || f.seq !== frames[i - 1].seq).map((f) => f.seq);
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
      expect(stats.inputFps).toBeGreaterThan(15);
      expect(stats.stages.endToEnd.count).toBeGreaterThan(10);
      expect(stats.sinks.map((s) => s.name)).toEqual(['recording']);
      await expect(daemon.bus.execute({ command: 'effect', name: 'style-person' })).rejects.toBeInstanceOf(
        CommandError,
      );
      expect(daemon.stats().effect).toBe('mask'); // a failed switch keeps the running effect
      expect(await daemon.bus.execute({ command: 'record', action: 'toggle' })).toEqual({ recording: false });
      expect((await probeVideo(recording.path, { countFrames: true })).frames).toBeGreaterThan(20);
    } finally {
      await daemon.stop();
      Object.assign(EFFECT_FACTORIES, { mask: saved.mask, 'style-person': saved.stylePerson });
    }
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('stopped');
  });

  it('keeps sinks fed while a killed capture ffmpeg restarts, and counts the restart', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const states: string[] = [];
    daemon.on('state', (s: { state: string }) => states.push(s.state));
    try {
      await daemon.start();
      await sleep(500);
      const source = (daemon as unknown as { source: { killChildForTest(): void } }).source;
      source.killChildForTest();
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !(daemon.stats().restarts === 1 && states.at(-1) === 'running'))
        await sleep(50);
      await sleep(500);
      const stats = daemon.stats();
      expect(stats.restarts).toBe(1);
      expect(stats.repeats).toBeGreaterThan(0); // the last frame was re-sent during the gap
      expect(states).toContain('restarting');
      expect(states.at(-1)).toBe('running');
      expect(stats.inputFps).toBeGreaterThan(10);
    } finally {
      await daemon.stop();
    }
  });

  it('reuses capture buffers once sinks let go, and never while a sink still holds one', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
      record: { dir },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const sink = new RehashingSink();
    try {
      await daemon.start();
      await daemon.addSink(sink);
      await daemon.bus.execute({ command: 'record', action: 'start' });
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && sink.checked < 30) await sleep(50);
      // latestFrame() is the caller's to keep: later frames (in reused buffers) do not change it.
      const kept = daemon.latestFrame()!;
      const keptHash = md5(kept.data);
      while (Date.now() < deadline && sink.checked < 60) await sleep(50);
      expect(md5(kept.data)).toBe(keptHash);
      const source = (daemon as unknown as { source: { buffersAllocated: number; framesRead: number } })
        .source;
      expect(sink.checked).toBeGreaterThanOrEqual(60);
      // Every frame the sink held kept its pixels until it let go (a reused buffer would have changed).
      expect(sink.changedWhileHeld).toBe(0);
      expect(source.framesRead).toBeGreaterThan(60);
      expect(source.buffersAllocated).toBeLessThanOrEqual(12);
    } finally {
      await daemon.stop();
    }
  });

  it('an effect still loading when the daemon stops is disposed (its workers end), and the switch says why', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
      inference: { modelsDir: MODELS_DIR },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const real = EFFECT_FACTORIES['blur-background']!;
    let disposed = 0;
    // The real effect (model in its pixel workers), finished after stop() has begun.
    EFFECT_FACTORIES['blur-background'] = async (context) => {
      const effect = await real(context);
      await sleep(400);
      const dispose = effect.dispose.bind(effect);
      effect.dispose = async () => {
        disposed++;
        await dispose();
      };
      return effect;
    };
    try {
      await daemon.start();
      const switching = daemon.bus.execute({ command: 'effect', name: 'blur-background' }).catch((e) => e);
      await sleep(50);
      await daemon.stop();
      expect(disposed).toBe(1);
      const outcome = await switching;
      expect(outcome).toBeInstanceOf(CommandError);
      expect((outcome as CommandError).message).toMatch(/stopping/);
    } finally {
      EFFECT_FACTORIES['blur-background'] = real;
      await daemon.stop();
    }
  });

  it('disposes an effect that a later switch replaced before it ran, and changes mask settings live', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const names = ['mask', 'transparent-background', 'replace-background'] as const;
    const saved = names.map((name) => EFFECT_FACTORIES[name]);
    const disposed: string[] = [];
    const feathers: number[] = [];
    for (const name of names)
      EFFECT_FACTORIES[name] = async () => ({
        name,
        // 'mask' is slow: the next two switches both arrive while one of its frames is in progress.
        process: async (frame) => {
          if (name === 'mask') await sleep(300);
          return frame;
        },
        update: (next) => feathers.push(next.segmentation.mask.feather),
        dispose: async () => {
          disposed.push(name);
        },
      });
    try {
      await daemon.start();
      await daemon.bus.execute({ command: 'effect', name: 'mask' });
      await sleep(100);
      await Promise.all([
        daemon.bus.execute({ command: 'effect', name: 'transparent-background' }),
        daemon.bus.execute({ command: 'effect', name: 'replace-background' }),
      ]);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && disposed.length < 2) await sleep(20);
      expect(daemon.stats().effect).toBe('replace-background');
      // The replaced one never ran and the slow one was let go: both disposed, the running one not.
      expect(disposed.sort()).toEqual(['mask', 'transparent-background']);

      const threshold = daemon.config.segmentation.mask.threshold;
      const answer = (await daemon.bus.execute({ command: 'mask', settings: { feather: 0.4 } }, 'api')) as {
        mask: { feather: number; threshold: number };
      };
      expect(answer.mask.feather).toBe(0.4);
      expect(answer.mask.threshold).toBe(threshold); // the keys not named keep their values
      expect(daemon.config.segmentation.mask.feather).toBe(0.4);
      expect(feathers.at(-1)).toBe(0.4); // the running effect was told
      await expect(
        daemon.bus.execute({ command: 'mask', settings: { feather: 7 } }, 'api'),
      ).rejects.toBeInstanceOf(CommandError);
      expect(daemon.config.segmentation.mask.feather).toBe(0.4);
    } finally {
      await daemon.stop();
      names.forEach((name, i) => {
        EFFECT_FACTORIES[name] = saved[i];
      });
    }
  });

  it('effect switches run one at a time and the last one asked for wins, however long each takes to build', async () => {
    const config = validateConfig({
      input: { source: 'test', width: 320, height: 240, fps: 30 },
      effect: { name: 'none' },
    });
    const daemon = new Daemon({ config, log: silentLogger() });
    const names = ['mask', 'transparent-background', 'replace-background', 'blur-background'] as const;
    const saved = names.map((name) => EFFECT_FACTORIES[name]);
    // The first asked for builds slowest: before, it was swapped in last and stayed live.
    const buildMs: Record<string, number> = {
      mask: 400,
      'transparent-background': 50,
      'replace-background': 50,
      'blur-background': 10,
    };
    const built: string[] = [];
    let building = 0;
    let mostAtOnce = 0;
    const disposed: string[] = [];
    for (const name of names)
      EFFECT_FACTORIES[name] = async () => {
        mostAtOnce = Math.max(mostAtOnce, ++building);
        await sleep(buildMs[name]);
        building--;
        built.push(name);
        return {
          name,
          process: async (frame) => frame,
          dispose: async () => {
            disposed.push(name);
          },
        };
      };
    try {
      await daemon.start();
      const answers = await Promise.all(
        names.map(async (name, i) => {
          await sleep(i * 30);
          return daemon.bus.execute({ command: 'effect', name }, 'api');
        }),
      );
      expect(daemon.stats().effect).toBe('blur-background');
      // Every asker is told the effect that is live now.
      expect(answers).toEqual(names.map(() => ({ effect: 'blur-background' })));
      expect(mostAtOnce).toBe(1);
      // The first (in progress when the others came) and the last: the ones in between never built.
      expect(built).toEqual(['mask', 'blur-background']);
      await sleep(100);
      expect(disposed).toEqual(['mask']); // overtaken while it was built, never shown
    } finally {
      await daemon.stop();
      names.forEach((name, i) => {
        EFFECT_FACTORIES[name] = saved[i];
      });
    }
  });
});

/** Holds each frame for four more frames (as a slow recorder pipe may) and checks its pixels kept. */
class RehashingSink implements FrameSink {
  readonly name = 'rehash';
  readonly releasesFrames = true;
  checked = 0;
  changedWhileHeld = 0;
  private readonly held: { frame: Frame; hash: string; hold?: FrameHold }[] = [];
  async start() {}
  async stop() {}
  write(frame: Frame, lease?: FrameLease) {
    this.held.push({ frame, hash: md5(frame.data), hold: lease?.hold() });
    if (this.held.length > 4) {
      const oldest = this.held.shift()!;
      if (md5(oldest.frame.data) !== oldest.hash) this.changedWhileHeld++;
      this.checked++;
      oldest.hold?.release();
    }
    return true;
  }
  stats(): SinkStats {
    return { name: this.name, state: 'running', written: this.checked, dropped: 0 };
  }
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
