import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/daemon-process.ts';
import { media, model, REPO, STYLES_DIR } from '../helpers/shared.ts';
import { type Corpus, makeCorpus } from './corpus.ts';

/**
 * Every bad flag, config file, image, video and model file a user can hand the CLI: each one gives
 * a clear `error: …` line (plus an optional hint), a non-zero exit, no stack trace and no
 * "this looks like a bug" (that would mean an unexpected error slipped through).
 */

interface CliResult {
  code: number | null;
  output: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 25_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(REPO, 'bin', 'stylecast.js'), ...args], {
      cwd: REPO,
      env: { ...process.env, STYLECAST_LOG_JSON: '0', STYLECAST_DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c));
    proc.stderr.on('data', (c: Buffer) => (output += c));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function expectOneLineError(result: CliResult, message?: RegExp): void {
  const lines = result.output.split('\n').filter((l) => l.trim());
  const errorLines = lines.filter((l) => /^error:|^error /.test(l));
  expect(result.code, result.output).not.toBe(0);
  expect(result.code, result.output).not.toBeNull(); // it ended by itself, not by our timeout
  expect(errorLines.length, result.output).toBe(1);
  expect(result.output).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(result.output).not.toMatch(/looks like a bug/);
  expect(errorLines[0].length, 'one readable line').toBeLessThan(400);
  if (message) expect(errorLines[0]).toMatch(message);
}

const selfieTflite = model('mediapipe-selfie-segmentation', 'selfie_segmentation.tflite');

const RUN = ['run', '--no-obs', '--port', '0', '--duration', '3', '--stats-every', '0'];

describe('bad input to the CLI', () => {
  const dir = tempDir('stylecast-bad-');
  let corpus: Corpus;
  let busy: Server;
  let busyPort = 0;

  beforeAll(async () => {
    corpus = makeCorpus(dir.path);
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    dir.remove();
  });

  const f = (name: keyof Corpus['files']) => corpus.files[name];

  // [what, argv, env, message]: argv is a function so the corpus paths exist when it runs.
  const cases: [string, () => string[], (() => NodeJS.ProcessEnv) | undefined, RegExp | undefined][] = [
    ['unknown flag', () => ['run', '--colour', 'red'], undefined, /unknown option/],
    ['unknown command', () => ['paint'], undefined, /unknown command/],
    ['odd width', () => [...RUN, '--input', 'test', '--width', '1281'], undefined, /resolution/],
    ['width not a number', () => [...RUN, '--width', 'wide'], undefined, /resolution/],
    ['fps not a number', () => [...RUN, '--fps', 'fast'], undefined, /--fps/],
    ['fps zero', () => [...RUN, '--fps', '0'], undefined, /--fps/],
    ['port out of range', () => ['run', '--port', '70000'], undefined, /--port/],
    [
      'port in use',
      () => [
        'run',
        '--no-obs',
        '--duration',
        '3',
        '--input',
        'test',
        '--effect',
        'none',
        '--port',
        String(busyPort),
      ],
      undefined,
      /port|in use/i,
    ],
    ['unknown effect', () => [...RUN, '--effect', 'sparkles'], undefined, /effect/],
    [
      'missing input file',
      () => [...RUN, '--input', join(dir.path, 'nope.mp4')],
      undefined,
      /does not exist|not found/,
    ],
    [
      'input that is not a video',
      () => [...RUN, '--input', f('textAsVideo'), '--effect', 'none'],
      undefined,
      /not a video|could not read|cannot|Invalid/i,
    ],
    [
      'empty input file',
      () => [...RUN, '--input', f('emptyVideo'), '--effect', 'none'],
      undefined,
      undefined,
    ],
    [
      'unknown camera',
      () => [...RUN, '--input', 'camera:No Such Camera', '--effect', 'none'],
      undefined,
      /camera|device/i,
    ],
    [
      'unreachable URL',
      () => [...RUN, '--input', 'rtsp://127.0.0.1:1/none', '--effect', 'none'],
      undefined,
      undefined,
    ],
    [
      'record extension',
      () => [...RUN, '--input', 'test', '--effect', 'none', '--record', join(dir.path, 'out.gif')],
      undefined,
      /extension/,
    ],
    [
      'record under /proc',
      () => [...RUN, '--input', 'test', '--effect', 'none', '--record', '/proc/stylecast-nope/o.mkv'],
      undefined,
      /cannot record to \/proc\/stylecast-nope\/o\.mkv: cannot create the folder/,
    ],
    [
      'unknown output spec',
      () => [...RUN, '--input', 'test', '--effect', 'none', '--output', 'carrier-pigeon:home'],
      undefined,
      /output/,
    ],
    ['missing config file', () => [...RUN, '--config', join(dir.path, 'missing.json')], undefined, /config/],
    ['config syntax error', () => [...RUN, '--config', f('configSyntax')], undefined, /not a JSON object/],
    ['config is an array', () => [...RUN, '--config', f('configArray')], undefined, /not a JSON object/],
    ['config empty', () => [...RUN, '--config', f('configEmpty')], undefined, /config/],
    ['config binary', () => [...RUN, '--config', f('configBinary')], undefined, /config/],
    [
      'config unknown key',
      () => [...RUN, '--config', f('configUnknownKey')],
      undefined,
      /inputt|unrecognized/i,
    ],
    [
      'config unknown nested key (effect)',
      () => [...RUN, '--config', f('configNestedEffect')],
      undefined,
      /effect\.nmae: unknown setting \(did you mean effect\.name\?\)/,
    ],
    [
      'config unknown nested key (input)',
      () => [...RUN, '--config', f('configNestedInput')],
      undefined,
      /input\.widht: unknown setting \(did you mean input\.width\?\)/,
    ],
    [
      'config unknown nested key (api)',
      () => [...RUN, '--config', f('configNestedApi')],
      undefined,
      /api\.prot: unknown setting \(did you mean api\.port\?\)/,
    ],
    [
      'config unknown key two levels down',
      () => [...RUN, '--config', f('configNestedMask')],
      undefined,
      /segmentation\.mask\.treshold: unknown setting \(did you mean segmentation\.mask\.threshold\?\)/,
    ],
    [
      'config __proto__ key',
      () => [...RUN, '--config', f('configProto')],
      undefined,
      /__proto__: '__proto__' is a reserved name/,
    ],
    ['config wrong type', () => [...RUN, '--config', f('configWrongType')], undefined, /input\.fps/],
    ['config out of range', () => [...RUN, '--config', f('configOutOfRange')], undefined, /threshold/],
    ['config unknown effect', () => [...RUN, '--config', f('configBadEffect')], undefined, /effect\.name/],
    ['config huge number', () => [...RUN, '--config', f('configHuge')], undefined, /input\.width/],
    ['STYLECAST_CONFIG garbage', () => [...RUN], () => ({ STYLECAST_CONFIG: f('configBinary') }), /config/],
    [
      'FFMPEG_PATH wrong',
      () => [...RUN, '--input', 'test', '--effect', 'none'],
      () => ({ FFMPEG_PATH: join(dir.path, 'no-ffmpeg') }),
      /ffmpeg/i,
    ],
    [
      'render missing input',
      () => ['render', join(dir.path, 'nope.mp4'), join(dir.path, 'o.mkv')],
      undefined,
      /does not exist|not found/,
    ],
    [
      'render not a video',
      () => ['render', f('textAsVideo'), join(dir.path, 'o.mkv'), '--effect', 'none'],
      undefined,
      undefined,
    ],
    [
      'render misspelt style',
      () => [
        'render',
        media('video', 'person_indoor_576x576_4s.mp4'),
        join(dir.path, 'styled.mkv'),
        ...['--effect', 'style-frame', '--style', 'van-gogh-starry-nite'],
      ],
      () => ({ STYLECAST_STYLES: STYLES_DIR }),
      /style 'van-gogh-starry-nite' is neither/,
    ],
    [
      'render output under /proc',
      () => ['render', media('video', 'person_indoor_576x576_4s.mp4'), '/proc/stylecast-nope/o.mkv'],
      undefined,
      /cannot create the folder \/proc\/stylecast-nope/,
    ],
    [
      'render bad output extension',
      () => ['render', media('video', 'person_indoor_576x576_4s.mp4'), join(dir.path, 'o.txt')],
      undefined,
      /extension/,
    ],
    [
      'segment text as image',
      () => ['segment', f('textAsImage'), '--out', join(dir.path, 'm.png')],
      undefined,
      /image/i,
    ],
    [
      'segment empty image',
      () => ['segment', f('emptyImage'), '--out', join(dir.path, 'm.png')],
      undefined,
      /image/i,
    ],
    [
      'segment truncated PNG',
      () => ['segment', f('truncatedPng'), '--out', join(dir.path, 'm.png')],
      undefined,
      /image/i,
    ],
    [
      'segment missing image',
      () => ['segment', join(dir.path, 'nope.png'), '--out', join(dir.path, 'm.png')],
      undefined,
      /not found|does not exist|cannot/i,
    ],
    [
      'segment a device',
      () => ['segment', '/dev/zero', '--out', join(dir.path, 'm.png')],
      undefined,
      /\/dev\/zero: it is not a regular file \(a device\)/,
    ],
    [
      'segment a path under a file',
      () => ['segment', join(f('textAsImage'), 'x.png'), '--out', join(dir.path, 'm.png')],
      undefined,
      /cannot exist: part of its path is a file, not a folder/,
    ],
    [
      'segment garbage model',
      () => [
        'segment',
        media('portrait_obama', 'portrait.jpg'),
        '--out',
        join(dir.path, 'm.png'),
        '--models-dir',
        corpus.garbageModels,
      ],
      undefined,
      /model|image/i,
    ],
    [
      'stylize truncated JPEG',
      () => ['stylize', f('truncatedJpeg'), '--style', f('truncatedPng'), '--out', join(dir.path, 's.png')],
      undefined,
      /image/i,
    ],
    [
      'stylize garbage models',
      () => [
        'stylize',
        f('truncatedJpeg'),
        '--style',
        f('truncatedPng'),
        '--out',
        join(dir.path, 's.png'),
        '--models-dir',
        corpus.garbageModels,
      ],
      undefined,
      undefined,
    ],
    [
      'stylize bad strength',
      () => ['stylize', f('truncatedJpeg'), '--style', 'x', '--strength', '7'],
      undefined,
      /strength/,
    ],
    [
      'models import garbage',
      () => ['models', 'import', f('garbageTflite'), '--out', join(dir.path, 'g.onnx')],
      undefined,
      /tflite|model/i,
    ],
    [
      'models import empty',
      () => ['models', 'import', f('emptyTflite'), '--out', join(dir.path, 'g.onnx')],
      undefined,
      /tflite|model/i,
    ],
    // Paths that are folders where files belong (and the other way round) are the user's mistake too.
    [
      'models import --out in a missing folder',
      () => ['models', 'import', selfieTflite, '--out', join(dir.path, 'no-such-folder', 'x.onnx')],
      undefined,
      /cannot write .*no-such-folder.* does not exist/,
    ],
    [
      'models import --out a folder',
      () => ['models', 'import', selfieTflite, '--out', dir.path],
      undefined,
      /cannot write .*: it is a folder/,
    ],
    [
      'models import of a folder',
      () => ['models', 'import', dir.path, '--out', join(dir.path, 'x.onnx')],
      undefined,
      /cannot read .*: it is a folder/,
    ],
    [
      'models pull --models-dir a file',
      () => ['models', 'pull', 'sinet', '--models-dir', f('textAsImage'), '--base-url', 'http://127.0.0.1:1'],
      undefined,
      /cannot create the folder .* is a file, not a folder/,
    ],
    [
      'STYLECAST_CACHE a file',
      () => ['segment', media('portrait_obama', 'portrait.jpg'), '--out', join(dir.path, 'm.png')],
      () => ({ STYLECAST_CACHE: f('textAsImage'), STYLECAST_MODELS: '' }),
      /cannot create the folder .* is a file, not a folder/,
    ],
    [
      'models verify garbage',
      () => ['models', 'verify', '--models-dir', corpus.garbageModels],
      undefined,
      /damaged|sha256|checksum|corrupt/i,
    ],
    [
      'obs status, OBS not running',
      () => ['obs', 'status', '--url', 'ws://127.0.0.1:1'],
      undefined,
      /OBS|obs-websocket/,
    ],
    ['obs status, not a ws URL', () => ['obs', 'status', '--url', 'http://[::1'], undefined, undefined],
  ];

  for (const [what, argv, env, message] of cases) {
    it.concurrent(what, async () => {
      const result = await cli(argv(), env?.());
      expectOneLineError(result, message);
    }, 30_000);
  }
});
