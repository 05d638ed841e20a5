import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import type { Frame } from '../../src/core/frame.ts';
import type { FrameSink, SinkStats } from '../../src/core/lifecycle.ts';
import { createLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

/** A running daemon given bad segmentation input through config keeps streaming and says why. */
class LastFrameSink implements FrameSink {
  readonly name = 'last';
  written = 0;
  last: Frame | undefined;
  async start() {}
  async stop() {}
  write(frame: Frame) {
    this.written++;
    this.last = frame;
    return true;
  }
  stats(): SinkStats {
    return { name: this.name, state: 'running', written: this.written, dropped: 0 };
  }
}

function captureLog() {
  const lines: string[] = [];
  const destination = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
  return { log: createLogger({ level: 'info', destination }), lines };
}

/** A daemon (not started) on the test pattern with replace-background over `background`, its log lines and a sink. */
function replaceBackgroundDaemon(background: string) {
  const { log, lines } = captureLog();
  const config = validateConfig({
    input: { source: 'test', width: 320, height: 180, fps: 15 },
    effect: { name: 'replace-background', background },
    inference: { modelsDir: MODELS_DIR },
    obs: { enabled: false },
  });
  return { daemon: new Daemon({ config, log }), sink: new LastFrameSink(), lines };
}

describe('daemon with the mask effects and bad input', () => {
  it('a missing replace-background image falls back at start, and a later bad one is ignored', async () => {
    const { daemon, sink, lines } = replaceBackgroundDaemon('/nonexistent/beach.jpg');
    try {
      await daemon.start();
      await daemon.addSink(sink);
      expect(daemon.effectName).toBe('blur-background');
      expect(lines.join('')).toMatch(
        /replace-background' unavailable \(image \/nonexistent\/beach\.jpg does not exist/,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const before = sink.written;
      expect(before).toBeGreaterThan(3);
      daemon.updateConfig((c) => ({ ...c, effect: { ...c.effect, background: '/nonexistent/other.png' } }));
      daemon.updateConfig((c) => ({
        ...c,
        segmentation: { ...c.segmentation, mask: { ...c.segmentation.mask, threshold: 0.7 } },
      }));
      await new Promise((r) => setTimeout(r, 1500));
      expect(sink.written).toBeGreaterThan(before + 3);
      expect(daemon.stats().state).toBe('running');
      expect(sink.last?.width).toBe(320);
    } finally {
      await daemon.stop();
    }
  }, 60_000);

  it('replace-background keeps streaming its colour when a bad image arrives through the config', async () => {
    const { daemon, sink, lines } = replaceBackgroundDaemon('#00ff00');
    try {
      await daemon.start();
      await daemon.addSink(sink);
      expect(daemon.effectName).toBe('replace-background');
      daemon.updateConfig((c) => ({ ...c, effect: { ...c.effect, background: '/nonexistent/other.png' } }));
      await new Promise((r) => setTimeout(r, 1500));
      const before = sink.written;
      await new Promise((r) => setTimeout(r, 1000));
      expect(sink.written).toBeGreaterThan(before + 3);
      expect(lines.join('')).toMatch(
        /keeping the previous background: image \/nonexistent\/other\.png does not exist/,
      );
      expect(daemon.stats().state).toBe('running');
    } finally {
      await daemon.stop();
    }
  }, 60_000);

  it('an unknown model in the config is a one-line config error naming the key', () => {
    expect(() =>
      validateConfig({ segmentation: { model: 'nope' }, inference: { modelsDir: MODELS_DIR } }),
    ).toThrow(/segmentation\.model/);
  });
});
