/**
 * The error catalogue. Every error a user can cause has a stable code, a one-line message and a hint.
 * The CLI prints `error: <message>` and `hint: <hint>` and exits non-zero; it never prints a stack for these.
 */
export const ERROR_CODES = {
  FFMPEG_NOT_FOUND: 'STYLECAST_ERR_FFMPEG_NOT_FOUND',
  FFMPEG_FAILED: 'STYLECAST_ERR_FFMPEG_FAILED',
  INPUT_NOT_FOUND: 'STYLECAST_ERR_INPUT_NOT_FOUND',
  INPUT_UNREADABLE: 'STYLECAST_ERR_INPUT_UNREADABLE',
  DEVICE_NOT_FOUND: 'STYLECAST_ERR_DEVICE_NOT_FOUND',
  BAD_RESOLUTION: 'STYLECAST_ERR_BAD_RESOLUTION',
  BAD_CONFIG: 'STYLECAST_ERR_BAD_CONFIG',
  BAD_ARGUMENT: 'STYLECAST_ERR_BAD_ARGUMENT',
  BAD_IMAGE: 'STYLECAST_ERR_BAD_IMAGE',
  OUTPUT_FAILED: 'STYLECAST_ERR_OUTPUT_FAILED',
  MODEL_NOT_FOUND: 'STYLECAST_ERR_MODEL_NOT_FOUND',
  MODEL_CORRUPT: 'STYLECAST_ERR_MODEL_CORRUPT',
  MODEL_CHECKSUM: 'STYLECAST_ERR_MODEL_CHECKSUM',
  MODEL_SHAPE: 'STYLECAST_ERR_MODEL_SHAPE',
  MODEL_UNSUPPORTED_OP: 'STYLECAST_ERR_MODEL_UNSUPPORTED_OP',
  MODEL_DOWNLOAD: 'STYLECAST_ERR_MODEL_DOWNLOAD',
  PROVIDER_UNAVAILABLE: 'STYLECAST_ERR_PROVIDER_UNAVAILABLE',
  UNKNOWN_STYLE: 'STYLECAST_ERR_UNKNOWN_STYLE',
  UNKNOWN_EFFECT: 'STYLECAST_ERR_UNKNOWN_EFFECT',
  OBS_UNREACHABLE: 'STYLECAST_ERR_OBS_UNREACHABLE',
  OBS_AUTH: 'STYLECAST_ERR_OBS_AUTH',
  OBS_REQUEST: 'STYLECAST_ERR_OBS_REQUEST',
  API_UNAUTHORIZED: 'STYLECAST_ERR_API_UNAUTHORIZED',
  API_FORBIDDEN_ORIGIN: 'STYLECAST_ERR_API_FORBIDDEN_ORIGIN',
  API_BAD_REQUEST: 'STYLECAST_ERR_API_BAD_REQUEST',
  API_TOO_LARGE: 'STYLECAST_ERR_API_TOO_LARGE',
  API_RATE_LIMITED: 'STYLECAST_ERR_API_RATE_LIMITED',
  NOT_FOUND: 'STYLECAST_ERR_NOT_FOUND',
  RECORDING: 'STYLECAST_ERR_RECORDING',
  PORT_IN_USE: 'STYLECAST_ERR_PORT_IN_USE',
  INTERRUPTED: 'STYLECAST_ERR_INTERRUPTED',
} as const;

export type ErrorKey = keyof typeof ERROR_CODES;

/** An error the user caused or can fix: printed as one line plus a hint, never with a stack. */
export class StylecastError extends Error {
  readonly code: string;
  readonly key: ErrorKey;
  readonly hint: string | undefined;

  constructor(key: ErrorKey, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StylecastError';
    this.key = key;
    this.code = ERROR_CODES[key];
    this.hint = hint;
  }
}

export const isStylecastError = (e: unknown): e is StylecastError => e instanceof StylecastError;

/** One line for a log or a terminal: the message and, if there is one, the hint. */
export function describeError(e: unknown): string {
  if (isStylecastError(e)) return e.hint ? `${e.message} (hint: ${e.hint})` : e.message;
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
