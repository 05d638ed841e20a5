import type { Command } from 'commander';
import { listCameras } from '../../capture/devices.ts';
import { currentPlatform } from '../../capture/ffmpeg-args.ts';
import { findFfmpeg } from '../../core/ffmpeg.ts';

const HOW_TO_FIND: Record<string, string> = {
  linux:
    'no /dev/video* capture devices (plug one in, or check `ls /dev/video*` and your user being in the video group)',
  darwin:
    'ffmpeg (avfoundation) listed no cameras (check System Settings > Privacy > Camera for your terminal)',
  win32: 'ffmpeg (dshow) listed no video devices',
};

export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list cameras and their modes (what --input camera:NAME accepts)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const platform = currentPlatform();
      const cameras = await listCameras(findFfmpeg(), platform);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ platform, cameras }, null, 2)}\n`);
        return;
      }
      if (cameras.length === 0) {
        process.stdout.write(
          `No cameras found: ${HOW_TO_FIND[platform]}.\n` +
            '`stylecast run` uses the built-in test pattern then; or pass --input FILE, --input rtsp://… or --input test.\n',
        );
        return;
      }
      for (const [index, camera] of cameras.entries()) {
        process.stdout.write(
          `[${index}] ${camera.name}  (${camera.device})  --input "camera:${camera.name}"\n`,
        );
        if (camera.modes.length === 0)
          process.stdout.write('      modes: not reported (any size works; ffmpeg scales)\n');
        for (const mode of camera.modes)
          process.stdout.write(`      ${mode.format}: ${mode.sizes.join(' ')}\n`);
      }
    });
}
