import { type Command, CommandBus, CommandError } from '../commands.ts';

/**
 * The versioned payload any obs-websocket client sends with BroadcastCustomEvent to drive stylecast:
 *
 *   {"stylecast": {"v": 1, "command": "style", "name": "van-gogh-starry-night"}}
 *   {"stylecast": {"v": 1, "command": "next-style"}}            (alias "next")
 *   {"stylecast": {"v": 1, "command": "previous-style"}}        (alias "previous", "prev")
 *   {"stylecast": {"v": 1, "command": "strength", "value": 0.6}}
 *   {"stylecast": {"v": 1, "command": "effect", "name": "blur-background"}}
 *   {"stylecast": {"v": 1, "command": "morph", "name": "the-scream", "durationMs": 2000}}
 *   {"stylecast": {"v": 1, "command": "record", "action": "start", "target": "obs"}}
 *
 * Beyond "v", the fields are exactly the command layer's (src/control/commands.ts). Events without a
 * "stylecast" key belong to other tools and are ignored without a word.
 */
export const CUSTOM_EVENT_KEY = 'stylecast';
export const CUSTOM_EVENT_VERSION = 1;

const ALIASES: Record<string, string> = {
  next: 'next-style',
  previous: 'previous-style',
  prev: 'previous-style',
};

export type CustomEventResult =
  | { kind: 'command'; command: Command }
  | { kind: 'foreign' }
  | { kind: 'invalid'; reason: string };

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Pure: what a CustomEvent's eventData asks of stylecast, if anything. Never throws. */
export function parseCustomEvent(eventData: unknown): CustomEventResult {
  if (!isPlain(eventData) || !(CUSTOM_EVENT_KEY in eventData)) return { kind: 'foreign' };
  const payload = eventData[CUSTOM_EVENT_KEY];
  if (!isPlain(payload)) return { kind: 'invalid', reason: '"stylecast" must be an object' };
  const { v, ...rest } = payload;
  if (v !== CUSTOM_EVENT_VERSION) {
    return {
      kind: 'invalid',
      reason: `unsupported payload version ${JSON.stringify(v)} (this daemon speaks v1)`,
    };
  }
  if (typeof rest.command === 'string' && ALIASES[rest.command]) rest.command = ALIASES[rest.command];
  try {
    return { kind: 'command', command: CommandBus.parse(rest) };
  } catch (error) {
    return { kind: 'invalid', reason: error instanceof CommandError ? error.message : String(error) };
  }
}

/** The payload for a command, for clients and docs (inverse of parseCustomEvent). */
export const customEventFor = (command: Record<string, unknown>): Record<string, unknown> => ({
  [CUSTOM_EVENT_KEY]: { v: CUSTOM_EVENT_VERSION, ...command },
});
