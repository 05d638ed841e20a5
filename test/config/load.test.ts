import { describe, expect, it } from 'vitest';
import { mergeLayers, validateConfig } from '../../src/config/load.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { isStylecastError } from '../../src/core/errors.ts';

type Node = { shape?: Record<string, unknown>; def?: { innerType?: unknown } };
const unwrap = (schema: unknown): Node | undefined => {
  let at = schema as Node | undefined;
  while (at && !at.shape && at.def?.innerType) at = at.def.innerType as Node;
  return at;
};

/** The path of every object in the schema: [] (top), ['input'], …, ['segmentation', 'mask']. */
function objectPaths(schema: unknown, path: string[] = []): string[][] {
  const node = unwrap(schema);
  if (!node?.shape) return [];
  return [path, ...Object.entries(node.shape).flatMap(([key, child]) => objectPaths(child, [...path, key]))];
}

const nest = (path: string[], leaf: Record<string, unknown>): Record<string, unknown> =>
  path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);

const messageOf = (raw: Record<string, unknown>): string => {
  try {
    validateConfig(raw);
  } catch (error) {
    if (isStylecastError(error)) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('config: unknown keys at any depth', () => {
  const paths = objectPaths(ConfigSchema);

  it('finds every section (so the next check covers them all)', () => {
    expect(paths.map((p) => p.join('.'))).toEqual(
      expect.arrayContaining(['', 'input', 'effect', 'api', 'obs', 'segmentation.mask']),
    );
  });

  it('every object of the schema refuses a key it does not know, naming its full path', () => {
    for (const path of paths) {
      const key = [...path, 'zzqqxx'].join('.');
      expect(messageOf(nest(path, { zzqqxx: 1 })), key).toMatch(`invalid settings: ${key}: unknown setting`);
    }
  });

  it('suggests the closest valid key', () => {
    expect(messageOf({ effect: { nmae: 'none' } })).toBe(
      'invalid settings: effect.nmae: unknown setting (did you mean effect.name?)',
    );
    expect(messageOf({ input: { widht: 640 } })).toMatch(/input\.widht: .*did you mean input\.width\?/);
    expect(messageOf({ api: { prot: 1 } })).toMatch(/api\.prot: .*did you mean api\.port\?/);
    expect(messageOf({ inputt: {} })).toMatch(/^invalid settings: inputt: .*did you mean input\?/);
    // Nothing close: the keys it could have been.
    expect(messageOf({ api: { zzzzzz: 1 } })).toMatch(
      /api\.zzzzzz: unknown setting \(known here: api\.host, api\.port, api\.token\)/,
    );
  });

  it('values inside free-form maps stay free (obs.sceneStyles: scene -> style)', () => {
    expect(messageOf({ obs: { sceneStyles: { 'Any Scene': 'any-style' } } })).toBe('accepted');
  });
});

describe('config layers: reserved names', () => {
  it('a "__proto__" key (own, as JSON.parse makes it) is refused, not turned into a prototype', () => {
    const layer = JSON.parse('{"__proto__":{"effect":{"name":"none"}},"input":{"source":"test"}}');
    expect(() => mergeLayers(layer)).toThrow("invalid settings: __proto__: '__proto__' is a reserved name");
    expect(({} as Record<string, unknown>).effect).toBeUndefined(); // nothing leaked anywhere
  });

  it('constructor and prototype are refused at any depth, with the path', () => {
    expect(() => mergeLayers({}, JSON.parse('{"input":{"constructor":{"x":1}}}'))).toThrow(
      'input.constructor: ',
    );
    expect(() => mergeLayers(JSON.parse('{"obs":{"sceneStyles":{"prototype":"x"}}}'))).toThrow(
      'obs.sceneStyles.prototype: ',
    );
  });

  it('ordinary layers still merge deeply, later ones winning', () => {
    expect(mergeLayers({ input: { source: 'a', fps: 30 } }, { input: { source: 'b' } })).toEqual({
      input: { source: 'b', fps: 30 },
    });
  });
});
