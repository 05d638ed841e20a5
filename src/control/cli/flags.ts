import { StylecastError } from '../../core/errors.ts';
import { segmenterSpec } from '../../inference/segmenters/index.ts';

/** Flag parsers shared by the CLI commands: bad values are one-line StylecastErrors. */

/** Repeatable option: `-o a -o b` -> ['a', 'b']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A plain decimal number (`0.5`, `-2`, `1e3`). Number() alone also takes '' (0), `0x1`, `0b1` and `0o1`. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export function numberFlag(
  name: string,
  range: { min?: number; max?: number; integer?: boolean; example?: number } = {},
) {
  return (text: string): number => {
    const value = Number(text);
    const ok =
      DECIMAL.test(text.trim()) &&
      Number.isFinite(value) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (!range.integer || Number.isInteger(value));
    if (!ok) {
      const bounds = [
        range.min !== undefined && `>= ${range.min}`,
        range.max !== undefined && `<= ${range.max}`,
      ]
        .filter(Boolean)
        .join(' and ');
      throw new StylecastError(
        'BAD_ARGUMENT',
        `${name} ${text.trim() ? text : `'${text}'`} is not a valid ${range.integer ? 'whole number' : 'number'}${bounds ? ` (${bounds})` : ''}`,
        `for example ${name} ${range.example ?? range.min ?? 1}`,
      );
    }
    return value;
  };
}

/** Width/height: even whole numbers the encoders accept. */
export function resolutionFlag(name: '--width' | '--height') {
  const max = name === '--width' ? 7680 : 4320;
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < 16 || value > max || value % 2 !== 0) {
      throw new StylecastError(
        'BAD_RESOLUTION',
        `bad resolution: ${name} ${text} (needs an even whole number from 16 to ${max})`,
        'for example --width 1280 --height 720',
      );
    }
    return value;
  };
}

/** A setting in [0, 1] (mask controls). */
export const unitFlag = (name: string) => numberFlag(name, { min: 0, max: 1 });

/** `--model`: an unknown name is the model error (with the names to choose from), not a schema dump. */
export function segmentationModelFlag(text: string): string {
  segmenterSpec(text);
  return text;
}
