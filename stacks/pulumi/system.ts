/**
 * The reference ML system: a churn classifier. One typed program; each stack's `Pulumi.<stack>.yaml` picks
 * the cloud and stage (dev on docker, staging on gcp, prod on aws) and carries the release being served.
 */
import * as pulumi from '@pulumi/pulumi';
import { ModelEndpoint } from '../../lib';

/** The release a stack serves; environment promotion moves it from one stack's config to the next. */
export interface Release {
  /** Release label, such as `v3`. */
  readonly version: string;
  /** Serving image, by digest. */
  readonly image: string;
  /** Model artifact URL in this cloud's object store. */
  readonly modelDataUrl?: string;
}

export function churnSystem() {
  const config = new pulumi.Config();
  const release = config.requireObject<Release>('release');
  const endpoint = new ModelEndpoint('churn', {
    version: release.version,
    image: release.image,
    modelDataUrl: release.modelDataUrl,
    stableRelease: config.getObject<Release>('stableRelease'),
    invokers: config.getObject<string[]>('invokers'),
  });
  return { endpointName: endpoint.endpointName, endpointUrl: endpoint.url };
}
