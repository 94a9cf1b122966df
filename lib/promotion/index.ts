/** Releases and promotion: the release schema, the promotion policy and its gates (issue 8). */
export {
  RELEASE_CONFIG_KEY,
  RELEASE_SCHEMA_VERSION,
  RELEASE_STORE_CONFIG_KEY,
  STABLE_RELEASE_CONFIG_KEY,
  type ArtifactRef,
  type LegacyRelease,
  type RegistryModelRef,
  type Release,
  type ReleaseApproval,
  type ReleaseCloud,
  type ReleaseModel,
  type ReleaseOrigin,
  type ReleaseStoreConfig,
} from './release-types';
export { isUtcTime, parseRelease, releaseToConfigValue, sameRelease } from './release-schema';
export {
  DEFAULT_MAX_EVIDENCE_AGE_MINUTES,
  definePromotionPolicy,
  gatesFor,
  parsePromotionPolicy,
  type GateSet,
  type MetricThreshold,
  type NoOpenAlarmsOptions,
  type PromotionPolicy,
} from './policy';
export { loadPromotionPolicy, POLICY_FILE_NAMES } from './policy-loader';
export { evaluateGates, type GateInput, type GateResult } from './gates';
export type { OpenAlarmsEvidence, RegistryApprovalEvidence } from './evidence';
