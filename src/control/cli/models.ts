import type { Command } from 'commander';
import { StylecastError } from '../../core/errors.ts';

// Placeholder until the issue that owns `stylecast models` fills it in.
export function registerModels(program: Command): void {
  program
    .command('models')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new StylecastError('BAD_ARGUMENT', '`stylecast models` is not built yet');
    });
}
