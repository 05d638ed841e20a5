import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MODELS_DIR, REPO } from '../helpers/shared.ts';

/** One cache for imported ONNX files across this folder's tests (importing DeepLab once is enough). */
export const TEST_CACHE = join(tmpdir(), 'stylecast-segmentation-test-cache');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/stylecast.js …`) with the shared models. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'stylecast.js'), ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        STYLECAST_MODELS: MODELS_DIR,
        STYLECAST_CACHE: TEST_CACHE,
        STYLECAST_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** IoU of a predicted greyscale mask (>= 128 = person) against a reference (255 person, 0 not, 128 ignore). */
export async function maskIou(predicted: string, reference: string): Promise<number> {
  const p = await sharp(predicted).greyscale().raw().toBuffer({ resolveWithObject: true });
  const r = await sharp(reference).greyscale().raw().toBuffer({ resolveWithObject: true });
  if (p.info.width !== r.info.width || p.info.height !== r.info.height)
    throw new Error(`size ${p.info.width}x${p.info.height} != reference ${r.info.width}x${r.info.height}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < r.data.length; i++) {
    if (r.data[i] === 128) continue;
    const a = p.data[i] >= 128;
    const b = r.data[i] > 128;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return inter / union;
}
