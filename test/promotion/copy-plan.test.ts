import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import {
  formatPlan,
  planCopy,
  shellQuote,
  stepCommandLine,
  validateStoreConfig,
} from '../../lib/promotion/copy-plan';
import type { Release, ReleaseCloud } from '../../lib/promotion/release-types';
import { IMAGE_DIGEST as D, MODEL_SHA as M, SOURCE, STORES } from './copy-fixtures';

const CLOUDS: ReleaseCloud[] = ['aws', 'gcp', 'docker'];
const W = '.mlops/copy/staging-to-prod/v3';

function plan(from: ReleaseCloud, to: ReleaseCloud, release: Release = SOURCE[from]) {
  return planCopy({
    release,
    from: { stack: 'staging', cloud: from, store: STORES.staging[from] },
    to: { stack: 'prod', cloud: to, store: STORES.prod[to] },
  });
}

const SOURCE_IMAGE: Record<ReleaseCloud, string> = {
  aws: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-staging@${D}`,
  gcp: `europe-west1-docker.pkg.dev/churn-staging/serving/churn-serving@${D}`,
  docker: `127.0.0.1:5000/churn-staging/churn-serving@${D}`,
};
/** The repository each pair copies the image into: the ECR repository itself; the image's name under AR/local. */
function targetRepo(from: ReleaseCloud, to: ReleaseCloud): string {
  const name = from === 'aws' ? 'churn-staging' : 'churn-serving';
  if (to === 'aws') return '222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod';
  if (to === 'gcp') return `europe-west1-docker.pkg.dev/churn-prod/serving/${name}`;
  return `127.0.0.1:5000/churn-prod/${name}`;
}

/** The exact command lines of each pair, built from the blocks every plan is made of. */
function expectedLines(from: ReleaseCloud, to: ReleaseCloud): string[] {
  const staged = to === 'docker' ? `${W}/volume/releases/v3` : W;
  const md = `${staged}/model`;
  const b = `${staged}/baseline`;
  const repo = targetRepo(from, to);
  const lines = [
    `rm -rf ${W}`,
    from === 'aws' && to === 'aws'
      ? `mkdir -p ${W} ${b} ${W}/check`
      : `mkdir -p ${md} ${b} ${to === 'aws' ? `${W}/check` : `${W}/check/model`}`,
    `crane copy ${SOURCE_IMAGE[from]} ${repo}:release-v3`,
    `crane digest ${repo}@${D}`,
  ];
  if (from === 'aws')
    lines.push(
      `aws s3 cp s3://churn-staging-artifacts/models/run-42/output/model.tar.gz ${W}/model.tar.gz`,
      `mlops digest ${W}/model.tar.gz --expect ${M}`,
      `aws s3 cp --recursive s3://churn-staging-artifacts/baseline/run-42/ ${b}`,
    );
  else if (from === 'gcp')
    lines.push(
      `gcloud storage rsync gs://churn-staging-artifacts/runs/run-42/model/ ${md} --recursive`,
      `mlops digest ${md} --expect ${M}`,
      `gcloud storage rsync gs://churn-staging-artifacts/runs/run-42/baseline/ ${b} --recursive`,
    );
  else
    lines.push(
      'docker rm -f mlops-copy-prod-v3-read',
      `docker create --name mlops-copy-prod-v3-read -v churn-staging-models:/from/churn-staging-models:ro ${SOURCE_IMAGE.docker}`,
      `docker cp mlops-copy-prod-v3-read:/from/churn-staging-models/runs/run-42/model/. ${md}`,
      `docker cp mlops-copy-prod-v3-read:/from/churn-staging-models/runs/run-42/baseline/. ${b}`,
      'docker rm -f mlops-copy-prod-v3-read',
      `mlops digest ${md} --expect ${M}`,
    );
  if (from === 'aws' && to !== 'aws')
    lines.push(`tar -xzf ${W}/model.tar.gz -C ${md} --no-same-owner`, `mlops digest ${md} --expect ${M}`);
  if (from !== 'aws' && to === 'aws')
    lines.push(`tar -czf ${W}/model.tar.gz -C ${md} .`, `mlops digest ${W}/model.tar.gz --expect ${M}`);
  if (to === 'aws')
    lines.push(
      `aws s3 cp ${W}/model.tar.gz s3://churn-prod-artifacts/releases/v3/model.tar.gz`,
      `aws s3 cp --recursive ${b} s3://churn-prod-artifacts/releases/v3/baseline/`,
      `aws s3 cp s3://churn-prod-artifacts/releases/v3/model.tar.gz ${W}/check/model.tar.gz`,
      `mlops digest ${W}/check/model.tar.gz --expect ${M}`,
    );
  else if (to === 'gcp')
    lines.push(
      `gcloud storage rsync ${md} gs://churn-prod-artifacts/releases/v3/model/ --recursive --delete-unmatched-destination-objects`,
      `gcloud storage rsync ${b} gs://churn-prod-artifacts/releases/v3/baseline/ --recursive --delete-unmatched-destination-objects`,
      `gcloud storage rsync gs://churn-prod-artifacts/releases/v3/model/ ${W}/check/model --recursive`,
      `mlops digest ${W}/check/model --expect ${M}`,
    );
  else
    lines.push(
      'docker rm -f mlops-copy-prod-v3-write',
      `docker create --name mlops-copy-prod-v3-write -v churn-prod-models:/to ${repo}@${D}`,
      `docker cp ${W}/volume/. mlops-copy-prod-v3-write:/to`,
      'docker rm -f mlops-copy-prod-v3-write',
      'docker rm -f mlops-copy-prod-v3-check',
      `docker create --name mlops-copy-prod-v3-check -v churn-prod-models:/check:ro ${repo}@${D}`,
      `docker cp mlops-copy-prod-v3-check:/check/releases/v3/model/. ${W}/check/model`,
      'docker rm -f mlops-copy-prod-v3-check',
      `mlops digest ${W}/check/model --expect ${M}`,
    );
  lines.push(`rm -rf ${W}`);
  return lines;
}

const TARGET_MODEL: Record<ReleaseCloud, string> = {
  aws: 's3://churn-prod-artifacts/releases/v3/model.tar.gz',
  gcp: 'gs://churn-prod-artifacts/releases/v3/model/',
  docker: 'docker-volume://churn-prod-models/releases/v3/model/',
};
const TARGET_BASELINE: Record<ReleaseCloud, string> = {
  aws: 's3://churn-prod-artifacts/releases/v3/baseline/',
  gcp: 'gs://churn-prod-artifacts/releases/v3/baseline/',
  docker: 'docker-volume://churn-prod-models/releases/v3/baseline/',
};

describe('planCopy: every ordered pair of clouds (staging store -> prod store)', () => {
  for (const from of CLOUDS)
    for (const to of CLOUDS)
      test(`${from} -> ${to}`, () => {
        const p = plan(from, to);
        expect(p.schemaVersion).toBe(1);
        expect(p.from).toEqual({ stack: 'staging', cloud: from });
        expect(p.to).toEqual({ stack: 'prod', cloud: to });
        expect(p.steps.map((s) => s.argv.join(' '))).toEqual(expectedLines(from, to));
        for (const s of p.steps) expect(s.argv[0]).toBe(s.tool);
        expect(new Set(p.steps.map((s) => s.id)).size).toBe(p.steps.length);
        // The image: by digest in the target's registry, the copy checked against the same digest.
        expect(p.image).toBe(`${targetRepo(from, to)}@${D}`);
        const verify = p.steps.find((s) => s.id === 'image-verify');
        expect(verify?.expectStdout).toBe(D);
        expect(p.steps.filter((s) => s.expectStdout !== undefined)).toHaveLength(1);
        // The model: the target's format, the same tree digest; the registry version does not travel.
        expect(p.model).toEqual({ artifact: { uri: TARGET_MODEL[to], sha256: M } });
        expect(p.baseline).toBe(TARGET_BASELINE[to]);
        // Every model file that lands locally or in the target is checked against the release digest.
        const checks = p.steps.filter((s) => s.tool === 'mlops').map((s) => s.argv.slice(-2));
        for (const c of checks) expect(c).toEqual(['--expect', M]);
        expect(checks.length).toBe(from === to || (from !== 'aws' && to !== 'aws') ? 2 : 3);
      });

  test('gcp -> aws: the argv words, step ids and the repack to model.tar.gz at the archive root', () => {
    const p = plan('gcp', 'aws');
    expect(p.steps.map((s) => s.id)).toEqual([
      'workdir-clean',
      'workdir',
      'image-copy',
      'image-verify',
      'model-fetch',
      'model-fetch-verify',
      'baseline-fetch',
      'model-repack',
      'model-repack-verify',
      'model-upload',
      'baseline-upload',
      'model-check-fetch',
      'model-check',
      'workdir-remove',
    ]);
    expect(p.steps.find((s) => s.id === 'model-repack')?.argv).toEqual([
      'tar',
      '-czf',
      `${W}/model.tar.gz`,
      '-C',
      `${W}/model`,
      '.',
    ]);
    expect(p.steps.find((s) => s.id === 'image-copy')?.argv).toEqual([
      'crane',
      'copy',
      SOURCE_IMAGE.gcp,
      '222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod:release-v3',
    ]);
  });

  test('without a baseline no baseline step runs and the target names none', () => {
    const { baseline: _b, ...rest } = SOURCE.gcp;
    void _b;
    const p = plan('gcp', 'docker', rest as Release);
    expect(p.baseline).toBeUndefined();
    expect(p.steps.filter((s) => s.id.startsWith('baseline'))).toEqual([]);
    expect(p.steps.find((s) => s.id === 'workdir')?.argv).toEqual([
      'mkdir',
      '-p',
      `${W}/volume/releases/v3/model`,
      `${W}/check/model`,
    ]);
  });

  test('a docker baseline in another volume is mounted beside the model volume', () => {
    const p = plan('docker', 'gcp', {
      ...SOURCE.docker,
      baseline: 'docker-volume://churn-baselines/run-42/',
    });
    expect(p.steps.find((s) => s.id === 'source-reader')?.argv).toEqual([
      'docker',
      'create',
      '--name',
      'mlops-copy-prod-v3-read',
      '-v',
      'churn-staging-models:/from/churn-staging-models:ro',
      '-v',
      'churn-baselines:/from/churn-baselines:ro',
      SOURCE_IMAGE.docker,
    ]);
    expect(p.steps.find((s) => s.id === 'baseline-fetch')?.argv).toEqual([
      'docker',
      'cp',
      'mlops-copy-prod-v3-read:/from/churn-baselines/run-42/.',
      `${W}/baseline`,
    ]);
  });

  test('workDir is used as given', () => {
    const p = planCopy({
      release: SOURCE.aws,
      from: { stack: 'staging', cloud: 'aws' },
      to: { stack: 'prod', cloud: 'gcp', store: STORES.prod.gcp },
      workDir: '/tmp/copy',
    });
    expect(p.steps[0].argv).toEqual(['rm', '-rf', '/tmp/copy']);
    expect(p.steps.at(-1)?.argv).toEqual(['rm', '-rf', '/tmp/copy']);
  });
});

describe('planCopy: no copy', () => {
  test.each(CLOUDS)('%s -> the same cloud and store: no steps, the release unchanged', (cloud) => {
    const p = planCopy({
      release: SOURCE[cloud],
      from: { stack: 'dev', cloud, store: STORES.staging[cloud] },
      to: { stack: 'staging', cloud, store: { ...STORES.staging[cloud] } },
    });
    expect(p).toEqual({
      schemaVersion: 1,
      from: { stack: 'dev', cloud },
      to: { stack: 'staging', cloud },
      steps: [],
      image: SOURCE[cloud].image,
      model: SOURCE[cloud].model,
      baseline: SOURCE[cloud].baseline,
    });
  });

  test('same cloud and no mlops:releaseStore in the target: deploys from the source stores', () => {
    const p = planCopy({
      release: SOURCE.aws,
      from: { stack: 'staging', cloud: 'aws' },
      to: { stack: 'prod', cloud: 'aws' },
    });
    expect(p.steps).toEqual([]);
    expect(p.model).toBe(SOURCE.aws.model);
  });

  test('a release already in the target store (promoted there before) is not copied again', () => {
    const promoted = plan('gcp', 'aws');
    const release: Release = {
      schemaVersion: 1,
      version: 'v3',
      image: promoted.image,
      model: promoted.model,
      baseline: promoted.baseline,
    };
    const again = planCopy({
      release,
      from: { stack: 'prod', cloud: 'aws', store: STORES.prod.aws },
      to: { stack: 'prod-eu', cloud: 'aws', store: STORES.prod.aws },
    });
    expect(again.steps).toEqual([]);
    const third = planCopy({
      release,
      from: { stack: 'prod', cloud: 'aws' },
      to: { stack: 'prod-eu', cloud: 'aws', store: STORES.prod.aws },
    });
    expect(third.steps).toEqual([]);
  });

  test('the same cloud with another store (another account) copies', () => {
    expect(plan('aws', 'aws').steps.length).toBe(12);
  });
});

function problemsOf(fn: () => unknown): { path: string; message: string; fix: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).construct).toBe('CopyPlan');
    return [...(err as ValidationError).problems];
  }
  throw new Error('expected a ValidationError');
}

describe('planCopy: refusals', () => {
  test('a registry-only aws release names the fix: model.artifact from describe-model-package and mlops digest', () => {
    const release: Release = { ...SOURCE.aws, model: { registry: { version: 3 } } };
    const problems = problemsOf(() => plan('aws', 'gcp', release));
    expect(problems).toEqual([
      {
        path: 'release.model.artifact',
        message:
          "is missing: the release names only SageMaker model package version 3, whose files live in stack staging's account and cannot be copied from a registry reference",
        fix: "add `model.artifact: { uri, sha256 }` to the source release: `aws sagemaker describe-model-package --model-package-name <group>/3 --query 'InferenceSpecification.Containers[0].ModelDataUrl'` prints the uri, and `mlops digest <downloaded model.tar.gz>` the sha256",
      },
    ]);
  });

  test('a registry-only release is refused across accounts too, but not inside one', () => {
    const release: Release = { ...SOURCE.aws, model: { registry: { version: 3 } } };
    expect(problemsOf(() => plan('aws', 'aws', release)).map((p) => p.path)).toEqual([
      'release.model.artifact',
    ]);
    const same = planCopy({
      release,
      from: { stack: 'staging', cloud: 'aws', store: STORES.staging.aws },
      to: { stack: 'prod', cloud: 'aws', store: STORES.staging.aws },
    });
    expect(same.model).toEqual({ registry: { version: 3 } });
  });

  test('an artifact without sha256 (an upgraded schema 0 release) is refused with the fix', () => {
    const release: Release = {
      ...SOURCE.gcp,
      model: { artifact: { uri: 'gs://churn-staging-artifacts/runs/run-42/model/' } },
    };
    expect(problemsOf(() => plan('gcp', 'aws', release))).toEqual([
      {
        path: 'release.model.artifact.sha256',
        message: 'is missing (a release written by an older tool), so the copy could not be verified',
        fix: 'download the model (gs://churn-staging-artifacts/runs/run-42/model/) and set `model.artifact.sha256` to what `mlops digest <model dir or model.tar.gz>` prints',
      },
    ]);
  });

  test('a relative artifact path, a tag instead of a digest and a folder baseline on another cloud: all problems at once', () => {
    const release: Release = {
      ...SOURCE.aws,
      image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-staging:v3',
      model: { artifact: { uri: 'models/run-42/output/model.tar.gz', sha256: M } },
      baseline: 'gs://elsewhere/baseline/',
    };
    expect(problemsOf(() => plan('aws', 'gcp', release)).map((p) => p.path)).toEqual([
      'release.image',
      'release.model.artifact.uri',
      'release.baseline',
    ]);
  });

  test('a cross-cloud target without mlops:releaseStore', () => {
    const problems = problemsOf(() =>
      planCopy({
        release: SOURCE.gcp,
        from: { stack: 'staging', cloud: 'gcp' },
        to: { stack: 'prod', cloud: 'aws' },
      }),
    );
    expect(problems).toEqual([
      {
        path: 'to.store',
        message:
          "stack prod (aws) has no mlops:releaseStore, and a release from gcp cannot be served from another cloud's stores",
        fix: "set `mlops:releaseStore: { images: <its aws image repository>, models: <its aws artifact prefix ending in /> }` in stack prod's config",
      },
    ]);
  });

  test("a target store on another cloud than the target's", () => {
    const problems = problemsOf(() =>
      planCopy({
        release: SOURCE.gcp,
        from: { stack: 'staging', cloud: 'gcp' },
        to: { stack: 'prod', cloud: 'aws', store: STORES.prod.gcp },
      }),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      [
        'to.store.images',
        '"europe-west1-docker.pkg.dev/churn-prod/serving" is on gcp, but the stack deploys to aws',
      ],
      ['to.store.models', '"gs://churn-prod-artifacts/releases/" is on gcp, but the stack deploys to aws'],
    ]);
  });

  test('a docker release without an image cannot leave docker', () => {
    const { image: _i, ...rest } = SOURCE.docker;
    void _i;
    const problems = problemsOf(() => plan('docker', 'aws', rest as Release));
    expect(problems.map((p) => p.path)).toEqual(['release.image']);
    expect(problems[0].fix).toContain('docker push 127.0.0.1:5000/');
  });

  test('a local registry crane would only reach with --insecure is refused for a copy to a cloud', () => {
    const release: Release = { ...SOURCE.docker, image: `registry.internal:5000/churn/churn-serving@${D}` };
    const problems = problemsOf(() => plan('docker', 'gcp', release));
    expect(problems).toEqual([
      {
        path: 'release.image',
        message:
          'the local registry registry.internal:5000 is not localhost, a loopback or a private (RFC 1918) address, so crane would need --insecure, which would also make it speak plain http to the gcp registry in the same copy',
        fix: 'run the local registry on 127.0.0.1 or localhost (the reference docker stacks use 127.0.0.1:5000)',
      },
    ]);
    // Between two docker stacks --insecure is fine, and needed only for a registry crane reaches over https.
    expect(
      planCopy({
        release,
        from: { stack: 'staging', cloud: 'docker' },
        to: { stack: 'prod', cloud: 'docker', store: STORES.prod.docker },
      }).steps[2].argv,
    ).toEqual([
      'crane',
      'copy',
      '--insecure',
      `registry.internal:5000/churn/churn-serving@${D}`,
      '127.0.0.1:5000/churn-prod/churn-serving:release-v3',
    ]);
  });
});

describe('validateStoreConfig', () => {
  test.each(CLOUDS)('accepts the %s store and returns it', (cloud) => {
    expect(validateStoreConfig({ ...STORES.prod[cloud] }, 'mlops:releaseStore of stack prod', cloud)).toEqual(
      STORES.prod[cloud],
    );
    expect(validateStoreConfig({ ...STORES.prod[cloud] }, 'mlops:releaseStore of stack prod')).toEqual(
      STORES.prod[cloud],
    );
  });

  test('lists every problem with its path, construct ReleaseStore and the place it came from', () => {
    let error: ValidationError | undefined;
    try {
      validateStoreConfig(
        {
          images: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod:latest',
          models: 's3://churn-prod',
          extra: 1,
        },
        'mlops:releaseStore of stack prod',
        'aws',
      );
    } catch (err) {
      error = err as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.construct).toBe('ReleaseStore');
    expect(error?.resourceName).toBe('mlops:releaseStore of stack prod');
    expect(error?.problems.map((p) => [p.path, p.message])).toEqual([
      ['extra', 'is not a field of a release store'],
      ['images', '"222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod:latest" names a tag or digest'],
      ['models', '"s3://churn-prod" is not an s3://, gs:// or docker-volume:// prefix ending in /'],
    ]);
  });

  test('refuses non-objects, missing fields and a repository and prefix on different clouds', () => {
    expect(() => validateStoreConfig('s3://x/', 'w')).toThrow('ReleaseStore "w" has 1 problem');
    expect(() => validateStoreConfig(null, 'w')).toThrow('mlops:releaseStore: is null, not an object');
    let error: ValidationError | undefined;
    try {
      validateStoreConfig({ images: STORES.prod.gcp.images, models: STORES.prod.aws.models }, 'w');
    } catch (err) {
      error = err as ValidationError;
    }
    expect(error?.problems.map((p) => p.path)).toEqual(['models']);
    try {
      validateStoreConfig({}, 'w');
    } catch (err) {
      error = err as ValidationError;
    }
    expect(error?.problems.map((p) => [p.path, p.message])).toEqual([
      ['images', 'is missing'],
      ['models', 'is missing'],
    ]);
  });

  test('any JSON value either validates or throws a ValidationError listing problems, never another error', () => {
    const storeLike = fc.record(
      {
        images: fc.oneof(fc.constantFrom(...Object.values(STORES.prod).map((s) => s.images)), fc.jsonValue()),
        models: fc.oneof(fc.constantFrom(...Object.values(STORES.prod).map((s) => s.models)), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), storeLike),
        fc.constantFrom<ReleaseCloud | undefined>(undefined, ...CLOUDS),
        (value, cloud) => {
          try {
            const store = validateStoreConfig(value, 'w', cloud);
            expect(store).toEqual(value);
          } catch (err) {
            expect(err).toBeInstanceOf(ValidationError);
            expect((err as ValidationError).problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a docker.io-style name is not a store repository', () => {
    expect(() =>
      validateStoreConfig({ images: 'churn/serving', models: 'docker-volume://m/' }, 'w', 'docker'),
    ).toThrow('is not an ECR repository URI, an Artifact Registry repository or a local registry prefix');
  });
});

describe('formatPlan', () => {
  test('quotes every word a shell would split or expand, and writes the digest check as a test line', () => {
    expect(shellQuote('s3://b/p/model.tar.gz')).toBe('s3://b/p/model.tar.gz');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
    expect(shellQuote('')).toBe(`''`);
    const p = planCopy({
      release: SOURCE.gcp,
      from: { stack: 'staging', cloud: 'gcp' },
      to: { stack: 'prod', cloud: 'aws', store: STORES.prod.aws },
      workDir: '/tmp/my copy',
    });
    expect(stepCommandLine(p.steps[0])).toBe(`rm -rf '/tmp/my copy'`);
    expect(stepCommandLine(p.steps[3])).toBe(
      `test "$(crane digest 222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod@${D})" = ${D}`,
    );
    const text = formatPlan(p);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'Copy plan: staging (gcp) -> prod (aws)',
      '  Run in order, stopping at the first failure (set -e); every step can be run again:',
      "  (mlops is this package's CLI: put node_modules/.bin on PATH or run it as npx mlops)",
      `  # 1. workdir-clean: Empty the scratch folder /tmp/my copy`,
      `  rm -rf '/tmp/my copy'`,
    ]);
    expect(text.split('\n').slice(-3)).toEqual([
      `  Target release: image 222222222222.dkr.ecr.eu-west-1.amazonaws.com/churn-prod@${D}`,
      `                  model s3://churn-prod-artifacts/releases/v3/model.tar.gz (${M})`,
      '                  baseline s3://churn-prod-artifacts/releases/v3/baseline/',
    ]);
  });

  test('a plan without steps says so', () => {
    const p = planCopy({
      release: SOURCE.aws,
      from: { stack: 'a', cloud: 'aws' },
      to: { stack: 'b', cloud: 'aws' },
    });
    expect(formatPlan(p)).toBe(
      [
        'Copy plan: a (aws) -> b (aws)',
        '  no copy: stack b deploys the release from where it is (same cloud and stores)',
        `  Target release: image ${SOURCE.aws.image}`,
        `                  model ${SOURCE.aws.model.artifact?.uri} (${M})`,
        '                  model package version 3',
        `                  baseline ${SOURCE.aws.baseline}`,
      ].join('\n'),
    );
  });
});
