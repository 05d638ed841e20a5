import type { Command } from 'commander';
import { StylecastError } from '../../core/errors.ts';

// Placeholder until the issue that owns `stylecast devices` fills it in.
export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new StylecastError('BAD_ARGUMENT', '`stylecast devices` is not built yet');
    });
}
