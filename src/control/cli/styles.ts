import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { defaultStylesFolder } from '../../pipeline/style/library.ts';
import { pullStarterStyle, starterStyles } from '../../pipeline/style/starter.ts';
import { parseSeconds, progressBar } from './download-bar.ts';

/** `stylecast styles pull`: the starter paintings into the styles folder. */
export function registerStyles(program: Command): void {
  const styles = program.command('styles').description('the style library: get the starter paintings');
  styles
    .command('pull')
    .description(
      `download ${starterStyles().length} public-domain paintings into the styles folder (sha256-checked; present ones are kept)`,
    )
    .option(
      '--folder <dir>',
      'styles folder (default: style.folder in the config, STYLECAST_STYLES, or the config folder)',
    )
    .option('--base-url <url>', 'fetch from <url>/<file> instead of the canonical URLs (a mirror)')
    .option(
      '--timeout <seconds>',
      'give up an attempt that receives nothing for this long (default 30)',
      parseSeconds,
    )
    .action(async (opts: { folder?: string; baseUrl?: string; timeout?: number }) => {
      const config = loadConfig({ flags: opts.folder ? { style: { folder: opts.folder } } : {} });
      const folder = config.style.folder ?? defaultStylesFolder();
      let added = 0;
      for (const style of starterStyles()) {
        const bar = progressBar(style.name);
        try {
          const result = await pullStarterStyle(style, folder, {
            baseUrl: opts.baseUrl,
            idleTimeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
            onProgress: bar.update,
          });
          bar.stop();
          if (!result.skipped) added++;
          process.stdout.write(
            `${style.name}: ${result.skipped ? 'already there' : 'added'} (${style.artwork})\n`,
          );
        } finally {
          bar.stop();
        }
      }
      process.stdout.write(
        added
          ? `${added} added to ${folder}; a running stylecast picks them up by itself\n`
          : `all ${starterStyles().length} starter paintings are already in ${folder}\n`,
      );
    });
}
