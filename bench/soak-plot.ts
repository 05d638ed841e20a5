import sharp from 'sharp';
import type { Sample, SoakSummary } from './soak-report.ts';

/**
 * The soak plot: four panels over time (memory, descriptors and processes, delays, throughput),
 * drawn as SVG by hand (a few polylines need no chart library) and turned into PNG by sharp.
 */

interface Series {
  label: string;
  colour: string;
  values: number[];
}

const WIDTH = 1000;
const PANEL_HEIGHT = 170;
const LEFT = 70;
const RIGHT = 20;
const TOP = 50;
const GAP = 40;

const xmlText = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten above max. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function panel(top: number, title: string, times: number[], series: Series[], warmupS: number): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = PANEL_HEIGHT - 30;
  const tMax = Math.max(1, ...times);
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (t: number) => LEFT + (t / tMax) * plotW;
  const y = (v: number) => top + 20 + plotH - (v / yMax) * plotH;
  const parts = [
    `<text x="${LEFT}" y="${top + 12}" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${round(v)}</text>`,
    );
  }
  if (warmupS > 0 && warmupS < tMax)
    parts.push(
      `<rect x="${LEFT}" y="${top + 20}" width="${x(warmupS) - LEFT}" height="${plotH}" fill="#f3f3f3"/>`,
      `<text x="${LEFT + 4}" y="${top + 34}" font-size="10" fill="#888">warm-up</text>`,
    );
  series.forEach((s, index) => {
    const points = s.values.map((v, i) => `${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points}"/>`);
    const lx = LEFT + plotW - 220 + index * 110;
    parts.push(
      `<rect x="${lx}" y="${top + 3}" width="12" height="4" fill="${s.colour}"/>`,
      `<text x="${lx + 16}" y="${top + 10}" font-size="11">${xmlText(s.label)}</text>`,
    );
  });
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    parts.push(
      `<text x="${x(t)}" y="${top + 33 + plotH}" font-size="10" text-anchor="middle">${round(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${LEFT}" y="${top + 20}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  return parts.join('\n');
}

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);

export function renderSoakSvg(samples: Sample[], summary: SoakSummary, title: string): string {
  const times = samples.map((s) => s.tS);
  const dropsPerSample = samples.map((s, i) => (i === 0 ? 0 : s.drops - samples[i - 1].drops));
  const panels = [
    [
      'memory (MB)',
      [
        { label: 'RSS', colour: '#1f77b4', values: samples.map((s) => s.rssMb) },
        { label: 'JS heap', colour: '#ff7f0e', values: samples.map((s) => s.heapMb) },
      ],
    ],
    [
      'open files and child processes',
      [
        { label: 'fds', colour: '#2ca02c', values: samples.map((s) => s.fds) },
        { label: 'children', colour: '#d62728', values: samples.map((s) => s.children) },
      ],
    ],
    [
      'delay (ms)',
      [
        { label: 'loop p99', colour: '#9467bd', values: samples.map((s) => s.loopP99Ms) },
        { label: 'e2e p95', colour: '#8c564b', values: samples.map((s) => s.e2eP95Ms) },
      ],
    ],
    [
      'output',
      [
        { label: 'fps', colour: '#17becf', values: samples.map((s) => s.fps) },
        { label: 'drops/sample', colour: '#7f7f7f', values: dropsPerSample },
      ],
    ],
  ] as const;
  const height = TOP + panels.length * (PANEL_HEIGHT + GAP) + 10;
  const body = panels
    .map(([name, series], i) =>
      panel(
        TOP + i * (PANEL_HEIGHT + GAP),
        name,
        times,
        series.map((s) => ({ ...s, values: [...s.values] })),
        summary.warmupS,
      ),
    )
    .join('\n');
  const footer = `RSS ${summary.rssStartMb} -> ${summary.rssEndMb} MB (${summary.rssGrowthPct} %), fds ${summary.fdsStart} -> ${summary.fdsEnd}, children ${summary.childrenStart} -> ${summary.childrenEnd}; ${summary.verdict}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="16" font-weight="bold">${xmlText(title)}</text>`,
    `<text x="${LEFT}" y="40" font-size="12" fill="#444">${xmlText(footer)}</text>`,
    body,
    `<text x="${WIDTH - RIGHT}" y="${height - 4}" font-size="11" text-anchor="end">time (s)</text>`,
    '</svg>',
  ].join('\n');
}

export async function renderSoakPng(
  samples: Sample[],
  summary: SoakSummary,
  path: string,
  title: string,
): Promise<void> {
  await sharp(Buffer.from(renderSoakSvg(samples, summary, title)))
    .png()
    .toFile(path);
}
