import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/core/frame.ts';
import { BufferLedger, type FrameHold, type FrameLease } from '../../src/core/frame-lease.ts';
import type { FrameSink, SinkStats } from '../../src/core/lifecycle.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Effect } from '../../src/pipeline/effect.ts';
import { FrameScheduler, type SchedulableSource } from '../../src/pipeline/scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A synthetic source: the scheduler is the unit under test; frames are tiny. */
class ScriptedSource extends EventEmitter implements SchedulableSource {
  readonly width = 2;
  readonly height = 2;
  readonly fps = 30;
  paused = false;
  maxPausedBacklog = 0;
  recycled = 0;
  private seq = 0;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
  async start() {}
  async stop() {}
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  readonly recycledBuffers: Uint8Array[] = [];
  recycle(data: Uint8Array) {
    this.recycled++;
    this.recycledBuffers.push(data);
  }
  emitFrame(): Frame {
    const frame: Frame = {
      width: 2,
      height: 2,
      data: new Uint8Array(16).fill(this.seq & 0xff),
      pts: this.seq / 30,
      seq: this.seq++,
      readAt: performance.now(),
    };
    this.emit('frame', frame);
    return frame;
  }
}

class CollectingSink implements FrameSink {
  readonly frames: Frame[] = [];
  constructor(readonly name = 'collect') {}
  async start() {}
  async stop() {}
  write(frame: Frame) {
    this.frames.push(frame);
    return true;
  }
  stats(): SinkStats {
    return { name: this.name, state: 'running', written: this.frames.length, dropped: 0 };
  }
}

function slowEffect(ms: number, name: Effect['name'] = 'none', log: string[] = []): Effect {
  let busy = false;
  return {
    name,
    async process(frame) {
      if (busy) throw new Error('process called twice at the same time');
      busy = true;
      log.push(`${name}:${frame.seq}`);
      await sleep(ms);
      busy = false;
      return frame;
    },
    async dispose() {},
  };
}

const options = { log: silentLogger(), width: 2, height: 2, fps: 30 };

/** Like the OBS sink: keeps the last frame (to repeat it) under a hold until a newer one comes. */
class HoldingSink implements FrameSink {
  readonly name = 'holding';
  readonly releasesFrames = true;
  readonly frames: Frame[] = [];
  private hold: FrameHold | undefined;
  async start() {}
  async stop() {}
  write(frame: Frame, lease?: FrameLease) {
    const hold = lease?.hold();
    this.hold?.release();
    this.hold = hold;
    this.frames.push(frame);
    return true;
  }
  stats(): SinkStats {
    return { name: this.name, state: 'running', written: this.frames.length, dropped: 0 };
  }
}

/** Emits frames one at a time, each processed before the next (no drops). */
async function runFrames(scheduler: FrameScheduler, source: ScriptedSource, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(source.emitFrame());
    await scheduler.idle();
  }
  return frames;
}

describe('FrameScheduler', () => {
  it('live: when processing is slower, the newest frame wins, drops are counted, order is kept', async () => {
    const scheduler = new FrameScheduler({ ...options, effect: slowEffect(25), mode: 'live' });
    const source = new ScriptedSource();
    const sink = new CollectingSink();
    scheduler.attach(source);
    scheduler.addSink(sink);
    let maxInFlight = 0;
    for (let i = 0; i < 30; i++) {
      source.emitFrame();
      maxInFlight = Math.max(maxInFlight, scheduler.stats().inFlight);
      await sleep(5);
    }
    await scheduler.idle();
    const stats = scheduler.stats();
    const seqs = sink.frames.map((f) => f.seq);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    expect(seqs.at(-1)).toBe(29); // the newest frame is never the one dropped
    expect(stats.drops).toBeGreaterThan(0);
    expect(stats.framesOut + stats.drops).toBe(30);
    expect(source.recycled).toBe(stats.drops); // dropped buffers go back to the source's pool
    expect(maxInFlight).toBeLessThanOrEqual(3); // one processing, at most two waiting
    expect(stats.stages.process.p50).toBeGreaterThanOrEqual(20);
    await scheduler.stop();
  });

  it('live: one slow frame is absorbed by the two-frame queue (no drop); a one-frame queue drops', async () => {
    const drops = async (liveQueue: number) => {
      let n = 0;
      // ~8 ms per frame, one 55 ms spike: two more frames arrive during the spike (20 ms apart).
      const effect: Effect = {
        name: 'none',
        async process(frame) {
          await sleep(n++ === 3 ? 55 : 8);
          return frame;
        },
        async dispose() {},
      };
      const scheduler = new FrameScheduler({ ...options, effect, mode: 'live', liveQueue });
      const source = new ScriptedSource();
      scheduler.attach(source);
      for (let i = 0; i < 12; i++) {
        source.emitFrame();
        await sleep(20);
      }
      await scheduler.idle();
      const stats = scheduler.stats();
      await scheduler.stop();
      expect(stats.framesOut + stats.drops).toBe(12);
      return stats.drops;
    };
    expect(await drops(2)).toBe(0);
    expect(await drops(1)).toBeGreaterThan(0);
  });

  it('live: a waiting frame older than maxWaitMs gives way to a newer one (latency stays bounded)', async () => {
    // Frames every 25 ms, 90 ms each to process: the queue stays full and the head ages. A frame
    // left alone in the queue is processed whatever its age, so the capped wait is bounded by the
    // gap between frames plus the timers' lag on a loaded machine (CI saw 52 ms with a 20 ms slack).
    const queueWaitP95 = async (maxWaitMs: number) => {
      const scheduler = new FrameScheduler({ ...options, effect: slowEffect(90), mode: 'live', maxWaitMs });
      const source = new ScriptedSource();
      scheduler.attach(source);
      for (let i = 0; i < 24; i++) {
        source.emitFrame();
        await sleep(25);
      }
      await scheduler.idle();
      await scheduler.stop();
      return scheduler.stats().stages.wait.p95;
    };
    const capped = await queueWaitP95(30);
    const loose = await queueWaitP95(1000);
    expect(capped).toBeLessThan(30 + 45); // + timer lag under load
    expect(loose).toBeGreaterThan(90); // uncapped, the head waits at least one whole frame's processing
    expect(loose).toBeGreaterThan(capped + 30);
  });

  it('lossless: pauses the source while a frame waits, so every frame goes through in order', async () => {
    const scheduler = new FrameScheduler({ ...options, effect: slowEffect(3), mode: 'lossless' });
    const source = new ScriptedSource();
    const sink = new CollectingSink();
    scheduler.attach(source);
    scheduler.addSink(sink);
    let sent = 0;
    while (sent < 40) {
      if (!source.paused) {
        source.emitFrame();
        sent++;
      }
      await sleep(1);
    }
    await scheduler.idle();
    expect(sink.frames.map((f) => f.seq)).toEqual([...Array(40).keys()]);
    expect(scheduler.stats().drops).toBe(0);
    await scheduler.stop();
  });

  it('swaps the effect between frames without losing output', async () => {
    const calls: string[] = [];
    const scheduler = new FrameScheduler({
      ...options,
      effect: slowEffect(5, 'none', calls),
      mode: 'lossless',
    });
    const source = new ScriptedSource();
    const sink = new CollectingSink();
    scheduler.attach(source);
    scheduler.addSink(sink);
    source.emitFrame();
    const swapped = scheduler.swapEffect(slowEffect(5, 'mask', calls));
    const old = await swapped;
    for (let i = 0; i < 3; i++) {
      if (source.paused) await scheduler.idle();
      source.emitFrame();
    }
    await scheduler.idle();
    expect(old.name).toBe('none');
    expect(calls).toEqual(['none:0', 'mask:1', 'mask:2', 'mask:3']);
    expect(sink.frames).toHaveLength(4);
    expect(scheduler.currentEffect.name).toBe('mask');
    await scheduler.stop();
  });

  it('an effect that throws passes the frame through and is counted; a throwing sink hurts no one', async () => {
    const failing: Effect = {
      name: 'mask',
      process: async () => {
        throw new Error('model exploded');
      },
      dispose: async () => {},
    };
    const scheduler = new FrameScheduler({ ...options, effect: failing, mode: 'live' });
    const source = new ScriptedSource();
    const bad = new CollectingSink('bad');
    bad.write = () => {
      throw new Error('socket gone');
    };
    const good = new CollectingSink('good');
    scheduler.attach(source);
    scheduler.addSink(bad);
    scheduler.addSink(good);
    source.emitFrame();
    await scheduler.idle();
    expect(good.frames).toHaveLength(1);
    expect(scheduler.stats().effectErrors).toBe(1);
    await scheduler.stop();
  });

  it('keeps sinks fed with the last frame while the source is silent', async () => {
    const scheduler = new FrameScheduler({
      ...options,
      effect: slowEffect(0),
      mode: 'live',
      keepAliveAfterMs: 60,
    });
    const source = new ScriptedSource();
    const sink = new CollectingSink();
    scheduler.attach(source);
    scheduler.addSink(sink);
    source.emitFrame();
    await sleep(400);
    const repeats = scheduler.stats().repeats;
    expect(repeats).toBeGreaterThanOrEqual(4); // ~ (400 - 60) ms at 30 fps, on a busy machine
    expect(sink.frames.length).toBe(1 + repeats);
    expect(sink.frames.every((f) => f.seq === 0)).toBe(true);
    await scheduler.stop();
  });

  it('gives an output buffer back to the source once the last-frame slot and every sink let go of it', async () => {
    const scheduler = new FrameScheduler({ ...options, effect: slowEffect(1), mode: 'live' });
    const source = new ScriptedSource();
    const sink = new HoldingSink();
    scheduler.attach(source);
    scheduler.addSink(sink);
    const frames = await runFrames(scheduler, source, 3);
    // Frames 1 and 2 were replaced (last-frame slot and the sink's hold); frame 3 is still shown.
    expect(source.recycledBuffers).toEqual([frames[0].data, frames[1].data]);
    expect(source.recycledBuffers).not.toContain(frames[2].data);
    await scheduler.stop();
  });

  it('never gives back a buffer that a sink without holds, or a frame listener, may keep', async () => {
    for (const setup of ['sink', 'listener'] as const) {
      const scheduler = new FrameScheduler({
        ...options,
        effect: slowEffect(1),
        mode: 'live',
        framesEscape: () => setup === 'listener',
      });
      const source = new ScriptedSource();
      scheduler.attach(source);
      scheduler.addSink(setup === 'sink' ? new CollectingSink() : new HoldingSink());
      await runFrames(scheduler, source, 4);
      expect(source.recycled).toBe(0);
      await scheduler.stop();
    }
  });
});

describe('FrameScheduler buffer reuse with an effect that keeps its input frames', () => {
  it('never gives their buffers back, even when the output is the same buffer', async () => {
    const effect = { ...slowEffect(1), keepsInputFrames: true };
    const scheduler = new FrameScheduler({ ...options, effect, mode: 'live' });
    const source = new ScriptedSource();
    scheduler.attach(source);
    scheduler.addSink(new HoldingSink());
    await runFrames(scheduler, source, 4);
    expect(source.recycled).toBe(0);
    await scheduler.stop();
  });
});

describe('BufferLedger', () => {
  it('gives a buffer back once its last hold is released, once, and never a kept one', () => {
    const back: Uint8Array[] = [];
    const ledger = new BufferLedger((data) => back.push(data));
    const a = new Uint8Array(4);
    const first = ledger.hold(a);
    const second = ledger.lease(a).hold();
    first.release();
    first.release(); // a second release of the same hold changes nothing
    expect(back).toEqual([]);
    second.release();
    expect(back).toEqual([a]);
    expect(ledger.held).toBe(0);
    const b = new Uint8Array(4);
    const hold = ledger.hold(b);
    ledger.keep(b);
    hold.release();
    expect(back).toEqual([a]);
  });
});
