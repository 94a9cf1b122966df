/** The reference ML system for AWS CDK: the same churn classifier as the Pulumi program's prod stack. */
import { Stack, type StackProps, CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ModelEndpoint } from '../../lib/cdk';
import type { Release } from '../pulumi/system';

export interface ChurnStackProps extends StackProps {
  /** The release to serve (read from `Pulumi.prod.yaml` by the app, so both engines serve the same one). */
  readonly release: Release;
  /** IAM role names allowed to invoke the endpoint. */
  readonly invokers?: string[];
}

export class ChurnStack extends Stack {
  readonly endpoint: ModelEndpoint;

  constructor(scope: Construct, id: string, props: ChurnStackProps) {
    super(scope, id, props);
    this.endpoint = new ModelEndpoint(this, 'churn', {
      version: props.release.version,
      image: props.release.image,
      modelDataUrl: props.release.modelDataUrl,
      invokers: props.invokers,
    });
    new CfnOutput(this, 'EndpointName', { value: this.endpoint.endpointName });
    new CfnOutput(this, 'EndpointUrl', { value: this.endpoint.url });
  }
}
