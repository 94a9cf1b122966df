/** Stores and source releases of the copy plan tests: one staging and one prod store per cloud. */
import type { Release, ReleaseCloud, ReleaseStoreConfig } from '../../lib/promotion/release-types';

export const IMAGE_DIGEST = `sha256:${'a1'.repeat(32)}`;
export const MODEL_SHA = `sha256:${'b2'.repeat(32)}`;

export const STORES: Record<'staging' | 'prod', Record<ReleaseCloud, ReleaseStoreConfig>> = {
  staging: {
    aws: {
      images: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-staging',
      models: 's3://churn-staging-artifacts/releases/',
    },
    gcp: {
      images: 'europe-west1-docker.pkg.dev/churn-staging/serving',
      models: 'gs://churn-staging-artifacts/releases/',
    },
    docker: {
      images: '127.0.0.1:5000/churn-staging',
      models: 'docker-volume://churn-staging-models/releases/',
    },
  },
  prod: {
    aws: {
      images: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod',
      models: 's3://churn-prod-artifacts/releases/',
    },
    gcp: {
      images: 'europe-west1-docker.pkg.dev/churn-prod/serving',
      models: 'gs://churn-prod-artifacts/releases/',
    },
    docker: { images: '127.0.0.1:5000/churn-prod', models: 'docker-volume://churn-prod-models/releases/' },
  },
};

/** The release each cloud's staging stack serves: what its own pipeline produced. */
export const SOURCE: Record<ReleaseCloud, Release> = {
  aws: {
    schemaVersion: 1,
    version: 'v3',
    model: {
      registry: { version: 3 },
      artifact: { uri: 's3://churn-staging-artifacts/models/run-42/output/model.tar.gz', sha256: MODEL_SHA },
    },
    image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-staging@${IMAGE_DIGEST}`,
    metrics: { auc: 0.91 },
    baseline: 's3://churn-staging-artifacts/baseline/run-42/',
  },
  gcp: {
    schemaVersion: 1,
    version: 'v3',
    model: { artifact: { uri: 'gs://churn-staging-artifacts/runs/run-42/model/', sha256: MODEL_SHA } },
    image: `europe-west1-docker.pkg.dev/churn-staging/serving/churn-serving@${IMAGE_DIGEST}`,
    metrics: { auc: 0.91 },
    baseline: 'gs://churn-staging-artifacts/runs/run-42/baseline/',
  },
  docker: {
    schemaVersion: 1,
    version: 'v3',
    model: {
      artifact: { uri: 'docker-volume://churn-staging-models/runs/run-42/model/', sha256: MODEL_SHA },
    },
    image: `127.0.0.1:5000/churn-staging/churn-serving@${IMAGE_DIGEST}`,
    metrics: { auc: 0.91 },
    baseline: 'docker-volume://churn-staging-models/runs/run-42/baseline/',
  },
};
