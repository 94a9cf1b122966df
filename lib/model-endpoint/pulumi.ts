import * as pulumi from '@pulumi/pulumi';
import { platformFromConfig } from '../core/platform-config';
import { pulumiResolveContext } from '../core/pulumi-context';
import type { ModelEndpointArgs } from './args';
import type { ModelEndpointAwsChildren } from './pulumi-aws';
import type { ModelEndpointDockerChildren } from './pulumi-docker';
import type { ModelEndpointGcpChildren } from './pulumi-gcp';
import { resolveModelEndpoint, type ResolvedModelEndpoint } from './resolve';

/** Pulumi type token. Public API: changing it replaces every user's endpoint unless an alias comes with it. */
export const MODEL_ENDPOINT_TYPE = 'mlops:index:ModelEndpoint';

/**
 * A container model endpoint that rolls out safely: SageMaker on aws (blue/green canary or linear with
 * automatic rollback on alarms), Cloud Run on gcp (revision traffic split), and a weighted gateway over
 * containers on docker. Arguments are validated, all problems at once, before any child is created.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
  /** Physical name of the endpoint (SageMaker endpoint, Cloud Run service, gateway container). */
  readonly endpointName: pulumi.Output<string>;
  /** Cloud id: the endpoint ARN on aws, the service id on gcp, the gateway container id on docker. */
  readonly endpointId: pulumi.Output<string>;
  /** URL requests are POSTed to. */
  readonly url: pulumi.Output<string>;
  /** The resolved arguments, with every default applied. */
  readonly spec: ResolvedModelEndpoint;
  /** Primary children when the target is aws. */
  readonly aws?: ModelEndpointAwsChildren;
  /** Primary children when the target is gcp. */
  readonly gcp?: ModelEndpointGcpChildren;
  /** Primary children when the target is docker. */
  readonly docker?: ModelEndpointDockerChildren;

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a construct with bad arguments registers nothing, not even itself.
    const spec = resolveModelEndpoint(name, args, platformFromConfig(args?.platform), pulumiResolveContext());
    super(MODEL_ENDPOINT_TYPE, name, {}, opts);
    this.spec = spec;
    // Each cloud's renderer is loaded only when used, so a gcp stack never loads @pulumi/aws.
    /* eslint-disable @typescript-eslint/no-require-imports */
    switch (spec.platform.cloud) {
      case 'aws': {
        const rendered = (require('./pulumi-aws') as typeof import('./pulumi-aws')).renderAws(spec, this);
        this.aws = rendered.children;
        ({ endpointName: this.endpointName, endpointId: this.endpointId, url: this.url } = rendered);
        break;
      }
      case 'gcp': {
        const rendered = (require('./pulumi-gcp') as typeof import('./pulumi-gcp')).renderGcp(spec, this);
        this.gcp = rendered.children;
        ({ endpointName: this.endpointName, endpointId: this.endpointId, url: this.url } = rendered);
        break;
      }
      case 'docker': {
        const rendered = (require('./pulumi-docker') as typeof import('./pulumi-docker')).renderDocker(
          spec,
          this,
        );
        this.docker = rendered.children;
        ({ endpointName: this.endpointName, endpointId: this.endpointId, url: this.url } = rendered);
        break;
      }
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
    this.registerOutputs({ endpointName: this.endpointName, endpointId: this.endpointId, url: this.url });
  }
}
