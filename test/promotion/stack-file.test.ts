import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readProject } from '../../lib/cli/stack-config';
import { StackFile } from '../../lib/promotion/stack-file';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-file-'));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const PROJECT = 'name: churn\nruntime: nodejs\nconfig:\n  mlops:region:\n    value: eu-west-1\n';

const PROD = `# prod: the stack that serves customers.
config:
  mlops:cloud: aws    # two spaces before this comment on purpose
  aws:region: eu-west-1

  # Where releases are copied to.
  mlops:releaseStore:
    images: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn
    models: s3://churn-prod/releases/
  churn:alertWebhook:
    secure: v1:abc
  churn:invokers: [churn-api, 'billing']   # flow style stays flow
# trailing comment
`;

const load = (files: Record<string, string>, stack: string) => {
  const dir = project(files);
  return StackFile.load(readProject(dir), stack);
};

describe('StackFile', () => {
  test('setting a new key appends its lines after the last config key and changes nothing else', () => {
    const file = load({ 'Pulumi.yaml': PROJECT, 'Pulumi.prod.yaml': PROD }, 'prod');
    file.set('mlops:release', {
      schemaVersion: 1,
      version: 'v3',
      model: { registry: { group: 'churn', version: 3 } },
      releasedAt: '2026-12-02T10:00:00Z',
    });
    expect(file.text()).toBe(`# prod: the stack that serves customers.
config:
  mlops:cloud: aws    # two spaces before this comment on purpose
  aws:region: eu-west-1

  # Where releases are copied to.
  mlops:releaseStore:
    images: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn
    models: s3://churn-prod/releases/
  churn:alertWebhook:
    secure: v1:abc
  churn:invokers: [churn-api, 'billing']   # flow style stays flow
  mlops:release:
    schemaVersion: 1
    version: v3
    model:
      registry:
        group: churn
        version: 3
    releasedAt: "2026-12-02T10:00:00Z"
# trailing comment
`);
    expect(file.changed()).toBe(true);
  });

  test('replacing a key rewrites only its lines; the comment above it stays', () => {
    const text = `config:
  mlops:cloud: gcp   # gcp
  # The release: written by mlops promote.
  mlops:release:
    schemaVersion: 1
    version: v1   # old
    model:
      artifact: { uri: 'gs://b/v1/model/', sha256: 'sha256:${'a'.repeat(64)}' }
  gcp:project: churn-staging    # after
`;
    const file = load({ 'Pulumi.yaml': PROJECT, 'Pulumi.staging.yaml': text }, 'staging');
    file.set('mlops:release', {
      schemaVersion: 1,
      version: 'v2',
      model: { artifact: { uri: 'gs://b/v2/model/' } },
    });
    expect(file.text()).toBe(`config:
  mlops:cloud: gcp   # gcp
  # The release: written by mlops promote.
  mlops:release:
    schemaVersion: 1
    version: v2
    model:
      artifact:
        uri: gs://b/v2/model/
  gcp:project: churn-staging    # after
`);
  });

  test('deleting a key removes exactly its lines; deleting a missing key changes nothing', () => {
    const text = `config:
  mlops:cloud: docker  # local
  mlops:stableRelease:
    schemaVersion: 1
    version: v1
  mlops:stage: dev   # last
`;
    const file = load({ 'Pulumi.yaml': PROJECT, 'Pulumi.dev.yaml': text }, 'dev');
    expect(file.delete('mlops:release')).toBe(false);
    expect(file.changed()).toBe(false);
    expect(file.delete('mlops:stableRelease')).toBe(true);
    expect(file.text()).toBe('config:\n  mlops:cloud: docker  # local\n  mlops:stage: dev   # last\n');
  });

  test('a file without config gets one', () => {
    const file = load({ 'Pulumi.yaml': PROJECT, 'Pulumi.dev.yaml': '# nothing yet\n' }, 'dev');
    file.set('mlops:release', { schemaVersion: 1, version: 'v1' });
    expect(file.text()).toBe(
      '# nothing yet\n\nconfig:\n  mlops:release:\n    schemaVersion: 1\n    version: v1\n',
    );
  });

  test('reads the keys promotion needs: own values over the project file, a secret elsewhere is no obstacle', () => {
    const file = load({ 'Pulumi.yaml': PROJECT, 'Pulumi.prod.yaml': PROD }, 'prod');
    expect(file.cloud()).toBe('aws');
    expect(file.region()).toBe('eu-west-1'); // mlops:region from the project file comes first
    expect(file.gcpProject()).toBeUndefined();
    expect(file.release()).toBeUndefined();
    expect(file.releaseStore()).toEqual({
      images: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn',
      models: 's3://churn-prod/releases/',
    });
    expect(() => file.get('churn:alertWebhook')).toThrow(
      /^churn:alertWebhook in .*Pulumi\.prod\.yaml is a secret, which mlops cannot read offline; it must be plain config$/,
    );
  });

  test('a missing mlops:cloud, an unknown stack and a JSON stack file are refused with the fix', () => {
    const dir = project({ 'Pulumi.yaml': PROJECT, 'Pulumi.dev.yaml': 'config:\n  mlops:stage: dev\n' });
    const file = StackFile.load(readProject(dir), 'dev');
    expect(() => file.cloud()).toThrow(
      `stack dev: mlops:cloud must be one of aws, gcp, docker in ${path.join(dir, 'Pulumi.dev.yaml')} (found none)`,
    );
    expect(() => StackFile.load(readProject(dir), 'qa')).toThrow(
      `unknown stack "qa": no Pulumi.qa.yaml in ${dir} (stacks: dev)`,
    );
    const json = project({ 'Pulumi.json': '{"name":"churn","runtime":"nodejs"}', 'Pulumi.dev.json': '{}' });
    expect(() => StackFile.load(readProject(json), 'dev')).toThrow(/mlops edits YAML stack files only/);
  });

  test('a YAML syntax error names the file, line and column, without the dangling colon of the excerpt', () => {
    const dir = project({ 'Pulumi.yaml': PROJECT, 'Pulumi.dev.yaml': 'config:\n  churn:invokers: [a, b\n' });
    expect(() => StackFile.load(readProject(dir), 'dev')).toThrow(
      new RegExp(
        `^stack file error: ${path.join(dir, 'Pulumi.dev.yaml').replace(/[.]/g, '\\.')}: .+ at line \\d+, column \\d+$`,
      ),
    );
  });

  test('write() replaces the file only when the text changed', () => {
    const dir = project({ 'Pulumi.yaml': PROJECT, 'Pulumi.prod.yaml': PROD });
    const file = StackFile.load(readProject(dir), 'prod');
    expect(file.write()).toBe(false);
    file.set('mlops:stage', 'prod');
    expect(file.write()).toBe(true);
    expect(readFileSync(path.join(dir, 'Pulumi.prod.yaml'), 'utf8')).toBe(
      PROD.replace('# trailing comment\n', '  mlops:stage: prod\n# trailing comment\n'),
    );
  });

  test('an injected failure between write and rename leaves the stack file byte-identical and no temporary file', () => {
    const dir = project({ 'Pulumi.yaml': PROJECT, 'Pulumi.prod.yaml': PROD });
    const file = StackFile.load(readProject(dir), 'prod');
    file.set('mlops:release', { schemaVersion: 1, version: 'v3' });
    process.env.MLOPS_FAIL_BEFORE_RENAME = '1';
    try {
      expect(() => file.write()).toThrow(/^MLOPS_FAIL_BEFORE_RENAME=1: failing between write and rename of /);
    } finally {
      delete process.env.MLOPS_FAIL_BEFORE_RENAME;
    }
    expect(readFileSync(path.join(dir, 'Pulumi.prod.yaml')).equals(Buffer.from(PROD))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['Pulumi.prod.yaml', 'Pulumi.yaml']);
  });
});
