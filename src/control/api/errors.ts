import { z } from 'zod';
import { type ErrorKey, isStylecastError } from '../../core/errors.ts';
import { CommandError } from '../commands.ts';

/**
 * The API's error catalogue (fastify's habit): every error a client can get has a stable code, an
 * HTTP status and a one-line description. HTTP bodies and WebSocket replies carry the same object.
 */
export const API_ERRORS = {
  bad_request: {
    status: 400,
    description: 'The command or query failed validation (bad value, unknown field).',
  },
  malformed_json: { status: 400, description: 'The body or message is not valid JSON.' },
  unknown_style: { status: 404, description: 'No style with that name exists.' },
  bad_image: { status: 415, description: 'An upload is not a JPEG, PNG or WebP image of sane size.' },
  unauthorized: {
    status: 401,
    description: 'A token is required (server bound off-loopback) or the token is wrong.',
  },
  forbidden_origin: {
    status: 403,
    description: 'The request came from a web page on another origin, or with an unexpected Host.',
  },
  not_found: { status: 404, description: 'No such route, style or preview frame.' },
  method_not_allowed: { status: 405, description: 'The route exists but not with this method.' },
  too_large: { status: 413, description: 'The body or message is larger than the limit.' },
  rate_limited: { status: 429, description: 'Too many uploads; wait and retry.' },
  unavailable: { status: 503, description: 'The daemon has no handler for that command right now.' },
  failed: { status: 500, description: 'The command was valid but failed; the daemon keeps running.' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const ApiErrorCodeSchema = z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]);

export const ApiErrorSchema = z.object({
  code: ApiErrorCodeSchema,
  message: z.string(),
  hint: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }

  body(): ApiErrorBody {
    return this.hint
      ? { code: this.code, message: this.message, hint: this.hint }
      : { code: this.code, message: this.message };
  }
}

const FROM_STYLECAST: Partial<Record<ErrorKey, ApiErrorCode>> = {
  UNKNOWN_STYLE: 'unknown_style',
  UNKNOWN_EFFECT: 'bad_request',
  BAD_ARGUMENT: 'bad_request',
  BAD_CONFIG: 'bad_request',
  BAD_IMAGE: 'bad_image',
  INPUT_NOT_FOUND: 'bad_request',
  INPUT_UNREADABLE: 'bad_request',
  API_UNAUTHORIZED: 'unauthorized',
  API_FORBIDDEN_ORIGIN: 'forbidden_origin',
  API_BAD_REQUEST: 'bad_request',
  API_TOO_LARGE: 'too_large',
  API_RATE_LIMITED: 'rate_limited',
  NOT_FOUND: 'not_found',
  OBS_UNREACHABLE: 'unavailable',
  PROVIDER_UNAVAILABLE: 'unavailable',
};

/** Any thrown value -> an ApiError; unexpected errors become 'failed' with their first line only. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CommandError) return new ApiError(error.code, error.message);
  if (isStylecastError(error))
    return new ApiError(FROM_STYLECAST[error.key] ?? 'failed', error.message, error.hint);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new ApiError('failed', message || 'command failed');
}
