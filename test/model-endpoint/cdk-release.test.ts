/**
 * Where the CDK ModelEndpoint reads a release the program does not give: CDK context `mlops:release` (object or
 * JSON string), else the file context `mlops:releaseFile` names (a release, or a Pulumi stack file's
 * `mlops:release`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { releaseFromContext } from '../../lib/model-endpoint/cdk-release';
import { ValidationError } from '../../lib/core/validation';

const RELEASE = {
  schemaVersion: 1,
  version: 'v4',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-serving@sha256:' + 'a'.repeat(64),
  model: { registry: { version: 4 } },
};
const dir = mkdtempSync(path.join(tmpdir(), 'cdk-release-'));

function read(context: Record<string, unknown>) {
  const stack = new Stack(new App({ context }), 'churn-prod');
  return releaseFromContext(stack, 'ModelEndpoint', 'churn');
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

function problems(context: Record<string, unknown>) {
  try {
    read(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    return { construct: e.construct, resource: e.resourceName, problems: e.problems };
  }
  throw new Error('expected a ValidationError');
}

test('nothing in context: no release, and the message says where it looked', () => {
  expect(read({})).toEqual({
    release: undefined,
    stableRelease: undefined,
    lookedIn: 'CDK context mlops:release',
  });
});

test('context mlops:release as an object (cdk.json) and as the JSON string -c passes', () => {
  expect(read({ 'mlops:release': RELEASE }).release).toEqual({
    value: RELEASE,
    source: 'CDK context mlops:release',
  });
  expect(read({ 'mlops:release': JSON.stringify(RELEASE) }).release).toEqual({
    value: RELEASE,
    source: 'CDK context mlops:release',
  });
});

test('context wins over the file', () => {
  const f = file('other.json', JSON.stringify({ ...RELEASE, version: 'v9' }));
  expect(read({ 'mlops:release': RELEASE, 'mlops:releaseFile': f }).release?.value).toEqual(RELEASE);
});

test('a release file, in JSON or YAML', () => {
  const json = file('release.json', JSON.stringify(RELEASE));
  expect(read({ 'mlops:releaseFile': json })).toEqual({
    release: { value: RELEASE, source: 'release file release.json' },
    stableRelease: undefined,
    lookedIn: 'CDK context mlops:release or release.json',
  });
  const yaml = file(
    'release.yaml',
    `schemaVersion: 1\nversion: v4\nimage: ${RELEASE.image}\nmodel:\n  registry:\n    version: 4\n`,
  );
  expect(read({ 'mlops:releaseFile': yaml }).release).toEqual({
    value: RELEASE,
    source: 'release file release.yaml',
  });
});

test('a Pulumi stack file: its mlops:release and mlops:stableRelease, other keys ignored', () => {
  const stackFile = file(
    'Pulumi.prod.yaml',
    [
      '# prod',
      'config:',
      '  mlops:cloud: aws',
      '  mlops:release:',
      '    schemaVersion: 1',
      '    version: v4',
      `    image: ${RELEASE.image}`,
      '    model:',
      '      registry:',
      '        version: 4',
      '  mlops:stableRelease:',
      '    version: v3',
      '',
    ].join('\n'),
  );
  expect(read({ 'mlops:releaseFile': stackFile })).toEqual({
    release: { value: RELEASE, source: 'mlops:release in Pulumi.prod.yaml' },
    stableRelease: { value: { version: 'v3' }, source: 'mlops:stableRelease in Pulumi.prod.yaml' },
    lookedIn: 'CDK context mlops:release or Pulumi.prod.yaml',
    stack: 'prod',
  });
});

test('a stack file without mlops:release, and an empty file: no release (the endpoint waits)', () => {
  const stackFile = file('Pulumi.fresh.yaml', 'config:\n  mlops:cloud: aws\n');
  expect(read({ 'mlops:releaseFile': stackFile }).release).toBeUndefined();
  expect(read({ 'mlops:releaseFile': file('empty.yaml', '') }).release).toBeUndefined();
});

test('context that is not JSON, a missing file, a file that is not YAML: one ValidationError listing each', () => {
  const bad = file('bad.yaml', 'a: [1,\n');
  expect(problems({ 'mlops:release': '{version: v4', 'mlops:releaseFile': bad })).toEqual({
    construct: 'ModelEndpoint',
    resource: 'churn',
    problems: [
      {
        path: 'context mlops:release',
        message: `is not JSON (${jsonError('{version: v4')})`,
        fix: `pass the release as JSON: -c mlops:release='{"schemaVersion":1,"version":"v3",...}', or name a file with -c mlops:releaseFile=<file>`,
      },
      {
        path: 'context mlops:releaseFile',
        message: `${bad} is neither YAML nor JSON (Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:)`,
        fix: 'write the release as a YAML or JSON mapping, or name a Pulumi stack file',
      },
    ],
  });
  const missing = path.join(dir, 'nope.yaml');
  expect(problems({ 'mlops:releaseFile': missing }).problems).toEqual([
    {
      path: 'context mlops:releaseFile',
      message: `names ${missing}, which does not exist (looked at ${missing})`,
      fix: 'give a path relative to the directory cdk runs in, or an absolute one',
    },
  ]);
  expect(problems({ 'mlops:releaseFile': 3 }).problems).toEqual([
    {
      path: 'context mlops:releaseFile',
      message: 'is 3, not a file path',
      fix: 'give the path of a release file or a Pulumi stack file: -c mlops:releaseFile=Pulumi.prod.yaml',
    },
  ]);
});
