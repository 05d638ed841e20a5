import { describe, expect, it } from 'vitest';
import { niceMax, renderSoakSvg } from '../../bench/soak-plot.ts';
import { type Sample, summarizeSoak } from '../../bench/soak-report.ts';
import { partPath } from '../../src/output/recorder.ts';

/** The soak verdict's arithmetic and the recorder's part names: pure functions, no processes. */

const sample = (tS: number, over: Partial<Sample> = {}): Sample => ({
  tS,
  rssMb: 500,
  heapMb: 20,
  fds: 80,
  children: 3,
  loopP99Ms: 20,
  fps: 30,
  frames: tS * 30,
  drops: 0,
  e2eP50Ms: 10,
  e2eP95Ms: 20,
  sinkDrops: 0,
  sinkStates: '',
  wsMessages: 0,
  ...over,
});

describe('summarizeSoak', () => {
  it('passes a flat run and ignores the warm-up', () => {
    const samples = [
      sample(5, { rssMb: 200 }),
      ...Array.from({ length: 20 }, (_, i) => sample(60 + i * 5, { rssMb: 500 + (i % 2) })),
    ];
    const summary = summarizeSoak(samples, { warmupS: 60 });
    expect(summary.rssStartMb).toBe(500);
    expect(summary.rssGrowthPct).toBeLessThan(1);
    expect(summary.pass).toBe(true);
  });

  it('fails on RSS growth, descriptor growth, a new child process and a rising drop rate', () => {
    const leaky = Array.from({ length: 30 }, (_, i) =>
      sample(60 + i * 10, { rssMb: 500 + i * 5, fds: 80 + i, children: i > 25 ? 4 : 3, drops: i * i * 10 }),
    );
    const summary = summarizeSoak(leaky, { warmupS: 60 });
    expect(summary.pass).toBe(false);
    expect(summary.verdict).toMatch(/RSS grew/);
    expect(summary.verdict).toMatch(/file descriptors/);
    expect(summary.verdict).toMatch(/child processes/);
    expect(summary.verdict).toMatch(/drop rate rose/);
  });

  it('renders an SVG with one polyline per series and a nice axis', () => {
    const samples = Array.from({ length: 10 }, (_, i) => sample(i * 5));
    const svg = renderSoakSvg(samples, summarizeSoak(samples, { warmupS: 10 }), 'test <soak>');
    expect(svg.match(/<polyline/g)).toHaveLength(8);
    expect(svg).toContain('test &#60;soak&#62;');
    expect([niceMax(0), niceMax(7), niceMax(12), niceMax(480)]).toEqual([1, 10, 20, 500]);
  });
});

it('partPath numbers the files a restarted recorder writes', () => {
  expect(partPath('/tmp/show/rec.mkv', 2)).toBe('/tmp/show/rec.part2.mkv');
  expect(partPath('/tmp/v1.0/rec', 3)).toBe('/tmp/v1.0/rec.part3');
});
