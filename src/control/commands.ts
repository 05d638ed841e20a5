import { z } from 'zod';
import { EffectName, MaskSettings } from '../config/schema.ts';
import { SafeEmitter } from '../core/lifecycle.ts';

/**
 * The one command layer. The HTTP/WebSocket API, OBS CustomEvents and the CLI all build a Command,
 * and the daemon executes it through a CommandBus. The schema is the single source for validation,
 * TypeScript types and the generated API reference.
 */

const StyleName = z.string().min(1).max(200);

/** A change to some mask settings. Defaults are stripped: `.partial()` alone would fill every key
 *  with its default and silently reset the settings the command did not name. */
export const MaskPatch = z
  .object(
    Object.fromEntries(Object.entries(MaskSettings.shape).map(([k, v]) => [k, v.unwrap().optional()])) as {
      [K in keyof typeof MaskSettings.shape]: z.ZodOptional<
        ReturnType<(typeof MaskSettings.shape)[K]['unwrap']>
      >;
    },
  )
  .strict();

export const CommandSchema = z.discriminatedUnion('command', [
  z
    .object({
      command: z.literal('style'),
      name: StyleName,
      morphMs: z.number().int().min(0).max(30_000).optional(),
    })
    .strict(),
  z
    .object({ command: z.literal('next-style'), morphMs: z.number().int().min(0).max(30_000).optional() })
    .strict(),
  z
    .object({ command: z.literal('previous-style'), morphMs: z.number().int().min(0).max(30_000).optional() })
    .strict(),
  z.object({ command: z.literal('strength'), value: z.number().min(0).max(1) }).strict(),
  z
    .object({
      command: z.literal('morph'),
      name: StyleName,
      durationMs: z.number().int().min(0).max(30_000).default(800),
    })
    .strict(),
  z
    .object({
      command: z.literal('effect'),
      name: EffectName,
      background: z.string().min(1).max(4096).optional(),
    })
    .strict(),
  z.object({ command: z.literal('mask'), settings: MaskPatch }).strict(),
  z
    .object({
      command: z.literal('record'),
      action: z.enum(['start', 'stop', 'toggle']),
      target: z.enum(['daemon', 'obs', 'both']).default('daemon'),
    })
    .strict(),
]);

export type Command = z.infer<typeof CommandSchema>;
export type CommandName = Command['command'];
export type CommandOf<N extends CommandName> = Extract<Command, { command: N }>;
export const COMMAND_NAMES = CommandSchema.options.map((o) => o.shape.command.value) as CommandName[];

/** Where a command came from, for logs and stats. */
export type CommandOrigin = 'api' | 'websocket' | 'obs' | 'cli' | 'internal';

export type CommandHandler<N extends CommandName> = (command: CommandOf<N>) => Promise<unknown> | unknown;

export class CommandError extends Error {
  constructor(
    readonly code: 'bad_request' | 'unknown_style' | 'unavailable' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Dispatches validated commands to handlers registered by the parts that own the state
 * (the pipeline registers style/effect/mask, the recorder registers record, …).
 * Emits 'executed' after each successful command so API clients and OBS can follow state.
 */
export class CommandBus extends SafeEmitter {
  private readonly handlers = new Map<CommandName, (command: Command) => unknown>();

  /** Registers the owner of a command; returns a function that unregisters it. */
  handle<N extends CommandName>(name: N, handler: CommandHandler<N>): () => void {
    const erased = handler as unknown as (command: Command) => unknown;
    this.handlers.set(name, erased);
    return () => {
      if (this.handlers.get(name) === erased) this.handlers.delete(name);
    };
  }

  has(name: CommandName): boolean {
    return this.handlers.has(name);
  }

  /** The current handler, so a part can wrap it (the OBS bridge adds record target 'obs' around the recorder's). */
  handlerOf<N extends CommandName>(name: N): CommandHandler<N> | undefined {
    return this.handlers.get(name) as CommandHandler<N> | undefined;
  }

  /** Validate untrusted input into a Command; throws CommandError('bad_request') with a one-line reason. */
  static parse(input: unknown): Command {
    const result = CommandSchema.safeParse(input);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new CommandError('bad_request', `${where}${issue.message}`);
  }

  async execute(input: unknown, origin: CommandOrigin = 'internal'): Promise<unknown> {
    const command = CommandBus.parse(input);
    const handler = this.handlers.get(command.command);
    if (!handler)
      throw new CommandError('unavailable', `'${command.command}' is not available in this daemon`);
    const result = await handler(command);
    this.safeEmit('executed', { command, origin, result });
    return result;
  }
}
