// Worker bootstrap: workers do not inherit the parent's TypeScript loader, so register tsx here
// (works under bin/run-ts.js, bin/stylecast.js and vitest alike), then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./pixel-worker.ts');
