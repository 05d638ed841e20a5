// Worker-thread bootstrap: the project runs TypeScript through tsx with no build step, and a fresh worker
// thread has no loader registered (neither under bin/run-ts.js nor under vitest), so register tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./session-worker.ts');
