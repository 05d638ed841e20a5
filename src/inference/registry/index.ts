/** The model registry: manifest, lookup, verification, loading and pull. */

export {
  checkSessionAgainstManifest,
  type LoadedModel,
  type LoadOptions,
  loadOnnx,
  type OpenModelOptions,
  openModel,
} from './load.ts';
export {
  assertVerified,
  candidatePaths,
  importCacheDir,
  isPresent,
  type LocateOptions,
  type ModelSource,
  pullDir,
  type ResolvedModel,
  resolveModel,
  sha256File,
  type Verification,
  verifyFile,
} from './locate.ts';
export {
  MANIFEST_PATH,
  type ModelEntry,
  manifest,
  modelEntry,
  modelNames,
  type NamedEntry,
  type Normalization,
  supportedModels,
} from './manifest.ts';
export { downloadUrls, type PullOptions, type PullProgress, type PullResult, pullModel } from './pull.ts';
