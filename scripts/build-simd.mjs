// Compiles src/core/simd/pixels.as.ts (AssemblyScript) to pixels.wasm; `npm ci` runs it (prepare).
// Without the compiler (an install without dev dependencies) it says so and exits 0: stylecast then
// runs its JavaScript pixel loops, which give the same pictures, slower.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const asc = `${root}node_modules/assemblyscript/bin/asc.js`;
if (!existsSync(asc)) {
  console.log('build-simd: AssemblyScript not installed (dev dependency); the JavaScript pixel loops will run');
  process.exit(0);
}
const args = [
  asc,
  'src/core/simd/pixels.as.ts',
  '--outFile',
  'src/core/simd/pixels.wasm',
  '--runtime',
  'stub',
  '-O3',
  '--noAssert',
  '--initialMemory',
  '2',
  '--enable',
  'simd',
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
