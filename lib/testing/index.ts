/** Helpers for unit-testing programs that use mlops-constructs, offline, under Pulumi mocks. */
export {
  recordProgram,
  Recording,
  type RecordedResource,
  type RecordOptions,
  type CallHook,
  type ResourceHook,
} from './recorder';
export { roleRaces, criticalPath, CREATE_SECONDS } from './graph';
export { MOCK_AWS_ACCOUNT, MOCK_GCP_PROJECT_NUMBER, autoName } from './mock-outputs';
export { platformFromConfig } from '../core/platform-config';
