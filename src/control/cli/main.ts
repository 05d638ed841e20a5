import { Command, CommanderError } from 'commander';
import { describeError, isStylecastError } from '../../core/errors.ts';
import { registerDevices } from './devices.ts';
import { registerModels } from './models.ts';
import { registerObs } from './obs.ts';
import { registerRender } from './render.ts';
import { registerRun } from './run.ts';
import { registerSegment } from './segment.ts';
import { registerStyles } from './styles.ts';
import { registerStylize } from './stylize.ts';

/** Builds the `stylecast` program; each command lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('stylecast')
    .description('Live background stylization for streamers: camera -> person mask -> painted world -> OBS')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerRun,
    registerRender,
    registerDevices,
    registerSegment,
    registerStylize,
    registerModels,
    registerStyles,
    registerObs,
  ]) {
    register(program);
  }
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/** Prints a user error as one line plus a hint, never a stack; unexpected errors get a stack only with STYLECAST_DEBUG=1. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its one-line message (unknown option, missing argument, --help).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isStylecastError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    return 1;
  }
  process.stderr.write(`error: ${describeError(error)}\n`);
  if (process.env.STYLECAST_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else
    process.stderr.write(
      'hint: this looks like a bug; run again with STYLECAST_DEBUG=1 and report the output\n',
    );
  return 1;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

const code = await main();
process.exitCode = code;
