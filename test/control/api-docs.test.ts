import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderApiReference } from '../../src/control/api/docs.ts';
import { API_ERRORS } from '../../src/control/api/errors.ts';
import { API_DOC_PATH } from '../../src/control/api/gen-docs.ts';
import { ROUTES } from '../../src/control/api/schema.ts';
import { COMMAND_NAMES } from '../../src/control/commands.ts';

// fastify's habit: the generated reference is checked in, and regenerating it must give no diff.
it('docs/api.md is what `npm run docs:api` generates from the schemas', () => {
  const fresh = renderApiReference();
  expect(readFileSync(API_DOC_PATH, 'utf8'), 'run `npm run docs:api` and commit docs/api.md').toBe(fresh);
});

it('the reference names every route, command and error code', () => {
  const doc = renderApiReference();
  for (const route of ROUTES) expect(doc).toContain(`\`${route.path}\``);
  for (const name of COMMAND_NAMES) expect(doc).toContain(`### \`${name}\``);
  for (const code of Object.keys(API_ERRORS)) expect(doc).toContain(`\`${code}\``);
});
