import { z } from 'zod';
import { EffectName } from '../../config/schema.ts';
import { CommandSchema, MaskPatch } from '../commands.ts';
import { type ApiErrorCode, ApiErrorSchema } from './errors.ts';
import {
  ObsStateSchema,
  RecordingStateSchema,
  StatsSchema,
  type Status,
  StatusSchema,
  StyleInfoSchema,
} from './target.ts';

/**
 * The API contract as data: every route, its query/body/response schema and the errors it can give.
 * The router (http.ts) validates with these, the types come from them and docs/api.md is generated
 * from them (docs.ts) — there is no second description to keep in step.
 */

export const API_PREFIX = '/api/v1';
/** Largest JSON body or WebSocket message the API reads. */
export const MAX_JSON_BYTES = 16 * 1024;
/** Largest style image upload. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

export const OkCommandResponse = z.object({
  ok: z.literal(true),
  /** What the command's handler returned (often nothing). */
  result: z.unknown().optional(),
  /** The daemon's state after the command, for button feedback. */
  status: StatusSchema,
});
export const ErrorResponse = z.object({ ok: z.literal(false), error: ApiErrorSchema });
export const StylesResponse = z.object({ styles: z.array(StyleInfoSchema) });
export const UploadResponse = z.object({ ok: z.literal(true), style: StyleInfoSchema });

/**
 * Query strings arrive as text: a value is read as a number or a boolean only where its field takes
 * one, so a style named `1984` or `true` stays a name.
 */
function coerceScalars(shape: z.ZodRawShape) {
  return (input: unknown): unknown => {
    if (typeof input !== 'object' || input === null) return input;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const kind = key in shape ? scalarKind(shape[key]) : 'other';
      if (typeof value !== 'string' || kind === 'other') out[key] = value;
      else if (kind === 'boolean' && (value === 'true' || value === 'false')) out[key] = value === 'true';
      else if (kind === 'number' && value.trim() !== '' && Number.isFinite(Number(value)))
        out[key] = Number(value);
      else out[key] = value;
    }
    return out;
  };
}

/** What a field takes once optional/default wrappers are peeled off. */
function scalarKind(field: z.core.$ZodType): 'number' | 'boolean' | 'other' {
  let inner = field;
  for (let wrapped = innerOf(inner); wrapped; wrapped = innerOf(inner)) inner = wrapped;
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  return 'other';
}

const innerOf = (field: z.core.$ZodType): z.core.$ZodType | undefined =>
  (field._zod.def as { innerType?: z.core.$ZodType }).innerType;

const query = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess(coerceScalars(shape), z.object(shape).strict());

const MorphMs = z.number().int().min(0).max(30_000);
const StyleName = z.string().min(1).max(200);
const RecordTarget = z.enum(['daemon', 'obs', 'both']);

export type Method = 'GET' | 'POST';
export type Body = 'none' | 'command' | 'image';
export type Reply = 'json' | 'jpeg';

export interface RouteSpec {
  id: string;
  methods: readonly Method[];
  /** `:name` marks a path parameter. */
  path: string;
  summary: string;
  /** Runs a command or stores something (the GET shortcuts are what Stream Deck buttons call). */
  changesState: boolean;
  query?: z.ZodType;
  body: Body;
  reply: Reply;
  response?: z.ZodType;
  errors: readonly ApiErrorCode[];
  /** For the GET shortcuts: the Command (unvalidated input for the bus) the query stands for. */
  toCommand?: (query: Record<string, unknown>, status: Status) => unknown;
}

const READ_ERRORS = ['unauthorized', 'forbidden_origin'] as const satisfies readonly ApiErrorCode[];
const COMMAND_ERRORS = [
  'bad_request',
  'unknown_style',
  'unauthorized',
  'forbidden_origin',
  'unavailable',
  'failed',
] as const satisfies readonly ApiErrorCode[];

const shortcut = (
  id: string,
  path: string,
  summary: string,
  shape: z.ZodRawShape,
  toCommand: NonNullable<RouteSpec['toCommand']>,
): RouteSpec => ({
  id,
  methods: ['GET', 'POST'],
  path: `${API_PREFIX}${path}`,
  summary,
  changesState: true,
  query: query(shape),
  body: 'none',
  reply: 'json',
  response: OkCommandResponse,
  errors: COMMAND_ERRORS,
  toCommand,
});

const clamp01 = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;

export const ROUTES: readonly RouteSpec[] = [
  {
    id: 'status',
    methods: ['GET'],
    path: `${API_PREFIX}/status`,
    summary: 'Current state: style, strength, effect, mask settings, recording, OBS bridge, sinks.',
    changesState: false,
    body: 'none',
    reply: 'json',
    response: StatusSchema,
    errors: READ_ERRORS,
  },
  {
    id: 'stats',
    methods: ['GET'],
    path: `${API_PREFIX}/stats`,
    summary: 'Live numbers: fps, end-to-end latency, drops, per-sink and per-stage stats, event-loop delay.',
    changesState: false,
    body: 'none',
    reply: 'json',
    response: StatsSchema,
    errors: READ_ERRORS,
  },
  {
    id: 'styles',
    methods: ['GET'],
    path: `${API_PREFIX}/styles`,
    summary: 'The style library, each with a thumbnail URL.',
    changesState: false,
    body: 'none',
    reply: 'json',
    response: StylesResponse,
    errors: READ_ERRORS,
  },
  {
    id: 'style-thumbnail',
    methods: ['GET'],
    path: `${API_PREFIX}/styles/:name/thumbnail`,
    summary: 'A small JPEG of one style image.',
    changesState: false,
    body: 'none',
    reply: 'jpeg',
    errors: [...READ_ERRORS, 'not_found'],
  },
  {
    id: 'upload-style',
    methods: ['POST'],
    path: `${API_PREFIX}/styles`,
    summary:
      'Add a style: the body is the raw image (JPEG, PNG or WebP, up to 8 MiB); `name` is the original file name. Stored re-encoded under a generated name.',
    changesState: true,
    query: z.object({ name: z.string().max(200).optional() }).strict(),
    body: 'image',
    reply: 'json',
    response: UploadResponse,
    errors: ['bad_image', 'too_large', 'rate_limited', 'unauthorized', 'forbidden_origin', 'failed'],
  },
  {
    id: 'preview',
    methods: ['GET'],
    path: `${API_PREFIX}/preview.jpg`,
    summary: 'The latest output frame as a downscaled JPEG (for the panel; poll at a low rate).',
    changesState: false,
    query: query({ width: z.number().int().min(32).max(1920).default(480), t: z.number().optional() }),
    body: 'none',
    reply: 'jpeg',
    errors: [...READ_ERRORS, 'bad_request', 'not_found'],
  },
  {
    id: 'obs',
    methods: ['GET'],
    path: `${API_PREFIX}/obs`,
    summary: 'The OBS bridge: connection state, scene, OBS recording/streaming.',
    changesState: false,
    body: 'none',
    reply: 'json',
    response: ObsStateSchema,
    errors: READ_ERRORS,
  },
  {
    id: 'recording',
    methods: ['GET'],
    path: `${API_PREFIX}/recording`,
    summary: "The daemon's own recorder: active, file, duration.",
    changesState: false,
    body: 'none',
    reply: 'json',
    response: RecordingStateSchema,
    errors: READ_ERRORS,
  },
  {
    id: 'command',
    methods: ['POST'],
    path: `${API_PREFIX}/commands`,
    summary: 'Run one command (JSON body, see Commands). Answers with the state after it.',
    changesState: true,
    body: 'command',
    reply: 'json',
    response: OkCommandResponse,
    errors: [...COMMAND_ERRORS, 'malformed_json', 'too_large'],
  },
  shortcut(
    'style-next',
    '/style/next',
    'Next style in the library.',
    { morphMs: MorphMs.optional() },
    (q) => ({
      command: 'next-style',
      ...q,
    }),
  ),
  shortcut(
    'style-previous',
    '/style/previous',
    'Previous style in the library.',
    { morphMs: MorphMs.optional() },
    (q) => ({ command: 'previous-style', ...q }),
  ),
  shortcut(
    'style-set',
    '/style/set',
    'Switch to a style by name.',
    { name: StyleName, morphMs: MorphMs.optional() },
    (q) => ({ command: 'style', ...q }),
  ),
  shortcut(
    'style-morph',
    '/style/morph',
    'Morph to a style over durationMs.',
    { name: StyleName, durationMs: MorphMs.optional() },
    (q) => ({ command: 'morph', ...q }),
  ),
  shortcut('strength-set', '/strength/set', 'Set style strength (0..1).', { value: z.number() }, (q) => ({
    command: 'strength',
    ...q,
  })),
  shortcut(
    'strength-up',
    '/strength/up',
    'Raise style strength by step (default 0.1).',
    { step: z.number().min(0).max(1).default(0.1) },
    (q, s) => ({ command: 'strength', value: clamp01(s.style.strength + (q.step as number)) }),
  ),
  shortcut(
    'strength-down',
    '/strength/down',
    'Lower style strength by step (default 0.1).',
    { step: z.number().min(0).max(1).default(0.1) },
    (q, s) => ({ command: 'strength', value: clamp01(s.style.strength - (q.step as number)) }),
  ),
  shortcut(
    'effect-set',
    '/effect/set',
    'Switch the effect mode.',
    { name: EffectName, background: z.string().min(1).max(4096).optional() },
    (q) => ({ command: 'effect', ...q }),
  ),
  shortcut(
    'mask-set',
    '/mask/set',
    'Change mask settings; any subset of the mask keys.',
    MaskPatch.shape,
    (q) => ({ command: 'mask', settings: q }),
  ),
  ...(['start', 'stop', 'toggle'] as const).map((action) =>
    shortcut(
      `record-${action}`,
      `/record/${action}`,
      `${action[0].toUpperCase()}${action.slice(1)} recording (target: daemon, obs or both).`,
      { target: RecordTarget.optional() },
      (q) => ({ command: 'record', action, ...q }),
    ),
  ),
];

// ---- WebSocket ----

export const WS_PATH = `${API_PREFIX}/ws`;

export const RequestId = z.union([z.string().max(64), z.number().int()]);
export const WsQuerySchema = z
  .object({ id: RequestId.optional(), query: z.enum(['status', 'stats', 'styles', 'obs', 'recording']) })
  .strict();
/** A client message: a command with an id, or a query. */
export const WsRequestSchema = z.union([
  z.object({ id: RequestId.optional() }).and(CommandSchema),
  WsQuerySchema,
]);

export const WsReplySchema = z.union([
  z.object({ id: RequestId.nullable(), ok: z.literal(true), result: z.unknown().optional() }),
  z.object({ id: RequestId.nullable(), ok: z.literal(false), error: ApiErrorSchema }),
]);

export const WsEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('hello'),
    data: z.object({
      status: StatusSchema,
      styles: z.array(StyleInfoSchema),
      auth: z.enum(['none', 'token']),
    }),
  }),
  z.object({ event: z.literal('state'), data: StatusSchema }),
  z.object({ event: z.literal('stats'), data: StatsSchema }),
  z.object({ event: z.literal('styles'), data: StylesResponse }),
]);
export type WsEvent = z.infer<typeof WsEventSchema>;
