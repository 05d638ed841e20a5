import type { Command } from 'commander';
import { StylecastError } from '../../core/errors.ts';

// Placeholder until the issue that owns `stylecast obs` fills it in.
export function registerObs(program: Command): void {
  program
    .command('obs')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new StylecastError('BAD_ARGUMENT', '`stylecast obs` is not built yet');
    });
}
