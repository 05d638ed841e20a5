import { styleKey } from '../../pipeline/style/names.ts';
import { type Command, CommandBus, type CommandOrigin } from '../commands.ts';
import { ApiError } from './errors.ts';
import type { ControlTarget } from './target.ts';

/**
 * The one path from the API (HTTP, GET shortcuts, WebSocket) into the command layer: validate with
 * the shared CommandSchema, refuse unknown style names with a typed error, then run on the bus.
 */
export async function runCommand(
  target: ControlTarget,
  input: unknown,
  origin: CommandOrigin,
): Promise<unknown> {
  let command: Command = CommandBus.parse(input);
  if (command.command === 'style' || command.command === 'morph') {
    const name = knownStyleName(target, command.name);
    if (!name)
      throw new ApiError(
        'unknown_style',
        `no style named '${command.name.slice(0, 100)}'`,
        'GET /api/v1/styles lists the names',
      );
    command = { ...command, name };
  }
  return target.bus.execute(command, origin);
}

/** The library's name for a typed one: exact, else by the file-naming rule (`Starry Night` -> `starry-night`). */
function knownStyleName(target: ControlTarget, typed: string): string | undefined {
  const names = target.styles().map((s) => s.name);
  if (names.includes(typed)) return typed;
  const key = styleKey(typed);
  return names.includes(key) ? key : undefined;
}

/** Handler results cross the wire as JSON: anything that is not plain data is left out. */
export function plainResult(result: unknown): unknown {
  if (result === undefined || result === null) return undefined;
  if (typeof result !== 'object') return result;
  try {
    return JSON.parse(JSON.stringify(result)) as unknown;
  } catch {
    return undefined;
  }
}
