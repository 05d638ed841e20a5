import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderApiReference } from './docs.ts';

/** `npm run docs:api`: writes docs/api.md from the schemas. */
export const API_DOC_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'api.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dirname(API_DOC_PATH), { recursive: true });
  writeFileSync(API_DOC_PATH, renderApiReference());
  process.stdout.write(`wrote ${API_DOC_PATH}\n`);
}
