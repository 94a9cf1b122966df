/** mlops-constructs for AWS CDK. */
export { ModelEndpoint, type ModelEndpointProps } from './model-endpoint/cdk';
export { MlPipeline, type MlPipelineProps } from './ml-pipeline/cdk';
export type { PlatformArgs, NetworkArgs } from './core/platform';
export { ValidationError, type Problem } from './core/validation';
