import { z } from 'zod';

/**
 * The one config schema: file + env + flags are merged, then validated here once, at the edge.
 * Keys are camelCase; mask settings use the names streamers know from obs-backgroundremoval.
 * Each module reads its own section and receives it as plain values (no global config object).
 */

export const EFFECTS = [
  'none',
  'blur-background',
  'replace-background',
  'transparent-background',
  'mask',
  'style-background',
  'style-person',
  'style-frame',
] as const;
export const EffectName = z.enum(EFFECTS);
export type EffectName = z.infer<typeof EffectName>;

export const DEVICES = ['auto', 'cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;
export const DeviceName = z.enum(DEVICES);
export type DeviceName = z.infer<typeof DeviceName>;

/** Recording encoders: libx264, or a hardware H.264 encoder (tried with a test encode, else libx264). */
export const ENCODERS = ['libx264', 'h264_nvenc', 'h264_vaapi', 'h264_qsv', 'h264_videotoolbox'] as const;

export const SEGMENTATION_MODELS = ['selfie', 'selfie-landscape', 'deeplabv3', 'sinet'] as const;
export const SegmentationModelName = z.enum(SEGMENTATION_MODELS);

export const STYLE_VARIANTS = ['auto', 'int8', 'fp16', 'dynamic'] as const;

export const MaskSettings = z
  .object({
    /** Probability above which a pixel is person. */
    threshold: z.number().min(0).max(1).default(0.5),
    /** Hysteresis half-width around the threshold, so edge pixels do not toggle every frame. */
    hysteresis: z.number().min(0).max(0.5).default(0.08),
    /** 0..1: removal of small islands and contour smoothing strength. */
    smoothContour: z.number().min(0).max(1).default(0.5),
    /** 0..1: edge feather width (fraction of a small kernel). */
    feather: z.number().min(0).max(1).default(0.3),
    /** 0..1: temporal smoothing; 0 = off, higher = steadier but slower to follow. */
    temporalSmoothing: z.number().min(0).max(1).default(0.7),
    /** Skip segmentation when the frame barely changed (PSNR gate). */
    skipSimilarFrames: z.boolean().default(true),
    /** PSNR (dB) above which two frames count as similar. */
    similarityPsnr: z.number().min(10).max(100).default(38),
  })
  .strict();
export type MaskSettings = z.infer<typeof MaskSettings>;

const Port = z.number().int().min(0).max(65535);
const Rgba = z.string().regex(/^#?[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/, 'a colour like #00ff00');

// Every object is strict, nested ones too: a typo like effect.nmae or input.widht must be an error
// naming the key, not a setting silently ignored while the default runs.
export const ConfigSchema = z
  .object({
    input: z
      .object({
        /** path | URL | camera[:name] | test | auto (first camera, else the test pattern). */
        source: z.string().min(1).default('auto'),
        width: z.number().int().min(16).max(7680).default(1280),
        height: z.number().int().min(16).max(4320).default(720),
        fps: z.number().min(1).max(240).default(30),
        loop: z.boolean().default(false),
        /** Read files as fast as possible (render) rather than at their own rate (run). */
        realtime: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    effect: z
      .object({
        name: EffectName.default('style-background'),
        /** For replace-background: an image path or a colour. */
        background: z.string().default('#00b140'),
        blurRadius: z.number().min(1).max(100).default(16),
      })
      .strict()
      .prefault({}),
    style: z
      .object({
        name: z.string().optional(),
        strength: z.number().min(0).max(1).default(1),
        morphMs: z.number().int().min(0).max(30_000).default(800),
        variant: z.enum(STYLE_VARIANTS).default('auto'),
        /** 384x384 tiles across the frame's short side (1 = one tile, more = more detail). */
        detail: z.number().int().min(1).max(4).default(1),
        /** Background plate stylizations per second (upper bound). */
        refreshFps: z.number().min(0.1).max(60).default(15),
        /** Other styles kept pre-painted (a quick preview of the background), so switching to them shows at once. */
        prepaint: z.number().int().min(0).max(64).default(12),
        folder: z.string().optional(),
      })
      .strict()
      .prefault({}),
    segmentation: z
      .object({
        model: SegmentationModelName.default('selfie'),
        mask: MaskSettings.prefault({}),
      })
      .strict()
      .prefault({}),
    inference: z
      .object({
        device: DeviceName.default('auto'),
        threads: z.number().int().min(0).max(256).default(0),
        modelsDir: z.string().optional(),
      })
      .strict()
      .prefault({}),
    outputs: z.array(z.string().min(1)).default([]),
    record: z
      .object({
        path: z.string().optional(),
        container: z.enum(['mkv', 'mp4']).default('mkv'),
        // A typo must not turn into a silent libx264: unknown names are refused here, listing the known ones.
        encoder: z
          .enum(ENCODERS, { error: () => `unknown encoder; use one of ${ENCODERS.join(', ')}` })
          .default('libx264'),
        crf: z.number().int().min(0).max(51).default(20),
        preset: z.string().default('veryfast'),
        dir: z.string().optional(),
      })
      .strict()
      .prefault({}),
    obs: z
      .object({
        /** 'auto' connects when OBS answers and keeps trying; true warns when it does not. */
        enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
        url: z.string().default('ws://127.0.0.1:4455'),
        password: z.string().optional(),
        install: z.boolean().default(false),
        scene: z.string().default('stylecast'),
        // Scenes and inputs share one namespace in OBS, so the input cannot also be called 'stylecast'.
        sourceName: z.string().default('stylecast feed'),
        streamPort: Port.default(9079),
        /** OBS scene name -> style name: switching scene switches style. */
        sceneStyles: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: Port.default(8790),
        token: z.string().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export { Rgba };
