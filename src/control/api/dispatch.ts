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
  const command: Command = CommandBus.parse(input);
  if (command.command === 'style' || command.command === 'morph') {
    const known = target.styles().some((s) => s.name === command.name);
    if (!known)
      throw new ApiError(
        'unknown_style',
        `no style named '${command.name.slice(0, 100)}'`,
        'GET /api/v1/styles lists the names',
      );
  }
  return target.bus.execute(command, origin);
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
