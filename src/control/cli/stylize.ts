import type { Command } from 'commander';
import { StylecastError } from '../../core/errors.ts';

// Placeholder until the issue that owns `stylecast stylize` fills it in.
export function registerStylize(program: Command): void {
  program
    .command('stylize')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new StylecastError('BAD_ARGUMENT', '`stylecast stylize` is not built yet');
    });
}
