import type { Command } from 'commander';
import { StylecastError } from '../../core/errors.ts';

// Placeholder until the issue that owns `stylecast render` fills it in.
export function registerRender(program: Command): void {
  program
    .command('render')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new StylecastError('BAD_ARGUMENT', '`stylecast render` is not built yet');
    });
}
