import { z } from 'zod';
import { CommandSchema } from '../commands.ts';
import { API_ERRORS, ApiErrorSchema } from './errors.ts';
import {
  ErrorResponse,
  MAX_JSON_BYTES,
  MAX_UPLOAD_BYTES,
  ROUTES,
  type RouteSpec,
  WS_PATH,
  WsEventSchema,
  WsReplySchema,
  WsRequestSchema,
} from './schema.ts';
import {
  ObsStateSchema,
  RecordingStateSchema,
  SinkStatsSchema,
  StatsSchema,
  StatusSchema,
  StyleInfoSchema,
} from './target.ts';

/**
 * Renders docs/api.md from the API's schemas (ROUTES, CommandSchema, the WebSocket unions and the
 * error catalogue). `npm run docs:api` writes it; a test fails when the file is out of date.
 */

/** Schemas shown once in the Types section and referred to elsewhere as `#/types/<Name>`. */
const TYPES: Record<string, z.ZodType> = {
  Status: StatusSchema,
  Stats: StatsSchema,
  StyleInfo: StyleInfoSchema,
  ObsState: ObsStateSchema,
  RecordingState: RecordingStateSchema,
  SinkStats: SinkStatsSchema,
  ApiError: ApiErrorSchema,
};
const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries(TYPES)) registry.add(schema, { id });

/** JSON with short objects and arrays kept on one line, so the reference stays readable. */
function compact(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (flat.length <= 90 || typeof value !== 'object' || value === null) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value))
    return `[\n${value.map((v) => inner + compact(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compact(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

const json = (schema: z.ZodType, io: 'input' | 'output', typeName?: string): string => {
  const full = z.toJSONSchema(schema, { io, unrepresentable: 'any', metadata: registry }) as Record<
    string,
    unknown
  >;
  const defs = full.$defs as Record<string, Record<string, unknown>> | undefined;
  const out = typeName && defs?.[typeName] ? { ...defs[typeName] } : full;
  delete out.$schema;
  delete out.$defs;
  delete out.id;
  const text = compact(out).replace(/"#\/\$defs\/(\w+)"/g, '"#/types/$1"');
  return `\`\`\`json\n${text}\n\`\`\``;
};

const queryParams = (route: RouteSpec): string => {
  if (!route.query) return '';
  const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<
      string,
      { type?: string; enum?: unknown[]; minimum?: number; maximum?: number; default?: unknown }
    >;
    required?: string[];
  };
  const rows = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const type = p.enum ? p.enum.map((v) => `\`${v}\``).join(' \\| ') : (p.type ?? 'any');
    const range =
      p.minimum !== undefined || p.maximum !== undefined ? ` ${p.minimum ?? ''}..${p.maximum ?? ''}` : '';
    const need = schema.required?.includes(name) ? 'required' : 'optional';
    const def = p.default !== undefined ? `, default ${JSON.stringify(p.default)}` : '';
    return `\`${name}\` (${type}${range}, ${need}${def})`;
  });
  return rows.length ? rows.join(', ') : '';
};

function routeSection(route: RouteSpec): string {
  const lines = [`### ${route.methods.join(' / ')} \`${route.path}\``, '', route.summary, ''];
  const params = queryParams(route);
  if (params) lines.push(`Query: ${params}.`, '');
  if (route.changesState) lines.push('Changes state.', '');
  if (route.body === 'command')
    lines.push(`Body: one command as JSON (see [Commands](#commands)), at most ${MAX_JSON_BYTES} bytes.`, '');
  if (route.body === 'image') lines.push(`Body: the raw image bytes, at most ${MAX_UPLOAD_BYTES} bytes.`, '');
  if (route.reply === 'jpeg') lines.push('Answers `image/jpeg`.', '');
  lines.push(`Errors: ${route.errors.map((e) => `\`${e}\``).join(', ')}.`, '');
  if (route.response && !route.toCommand) lines.push('Response:', '', json(route.response, 'output'), '');
  return lines.join('\n');
}

export function renderApiReference(): string {
  const shortcuts = ROUTES.filter((r) => r.toCommand);
  const others = ROUTES.filter((r) => !r.toCommand);
  const commands = CommandSchema.options.map((option) => {
    const name = option.shape.command.value;
    return `### \`${name}\`\n\n${json(option, 'input')}\n`;
  });
  return [
    '# stylecast HTTP / WebSocket API reference',
    '',
    '<!-- Generated from src/control/api/schema.ts and src/control/commands.ts by `npm run docs:api`. Do not edit. -->',
    '',
    'One port serves the control panel (`/`), the REST API (`/api/v1/...`) and the WebSocket (`' +
      WS_PATH +
      '`).',
    'The server binds to 127.0.0.1 by default. Bound to any other address it requires a token',
    '(`Authorization: Bearer <token>`, `X-Stylecast-Token: <token>` or `?token=<token>`); the token is generated once',
    'and stored in the config directory as `api-token`. API requests and WebSocket upgrades are refused',
    'when they come from a web page on another origin (Origin / Sec-Fetch-Site), and on loopback the Host',
    'header must be a loopback name (no DNS rebinding). Clients that are not web pages (Stream Deck,',
    'Companion, curl) send neither header and are not affected.',
    '',
    '## Errors',
    '',
    'Every error, over HTTP and WebSocket, is the same object:',
    '',
    json(ErrorResponse, 'output'),
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
    ...Object.entries(API_ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description} |`),
    '',
    '## Routes',
    '',
    ...others.map(routeSection),
    '## Shortcuts (Stream Deck "Website" action, web-request plugins, Companion generic HTTP)',
    '',
    'GET or POST; each runs one command and answers like `POST /api/v1/commands`',
    '(`{"ok": true, "result": ..., "status": {...}}`), so a button can show the new state.',
    '',
    '| path | query | what it does |',
    '|---|---|---|',
    ...shortcuts.map((r) => `| \`${r.path}\` | ${queryParams(r) || '-'} | ${r.summary} |`),
    '',
    '## Commands',
    '',
    'The body of `POST /api/v1/commands` and, with an `id`, a WebSocket message.',
    '',
    ...commands,
    '## WebSocket',
    '',
    `Connect to \`ws://127.0.0.1:8790${WS_PATH}\` (add \`?token=...\` when bound off-loopback). Text frames only,`,
    `at most ${MAX_JSON_BYTES} bytes each. The server sends \`hello\` first, then \`state\` whenever the state changes,`,
    '`stats` every second and `styles` when the library changes. Requests are answered in the order they finish;',
    'match replies by `id`.',
    '',
    '### Requests',
    '',
    json(WsRequestSchema, 'input'),
    '',
    '### Replies',
    '',
    json(WsReplySchema, 'output'),
    '',
    '### Events',
    '',
    json(WsEventSchema, 'output'),
    '',
    '## Types',
    '',
    ...Object.entries(TYPES).flatMap(([name, schema]) => [
      `### ${name}`,
      '',
      json(schema, 'output', name),
      '',
    ]),
  ].join('\n');
}
