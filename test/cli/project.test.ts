import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { programEntry } from '../../lib/cli/entrypoint';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-project-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('the project file, read as the Pulumi CLI reads it', () => {
  test('config values: bare, typed default, nested value; the stack file wins; keys without a namespace are the project’s', () => {
    const dir = project({
      'Pulumi.yaml':
        'name: fraud\nruntime: nodejs\nconfig:\n  team: ml\n  size:\n    type: integer\n    default: 2\n  aws:tags:\n    value:\n      owner: ml\n  flags:\n    type: array\n    items:\n      type: string\n    default: [a]\n  version:\n    type: string\n',
      'Pulumi.dev.yaml': 'config:\n  size: 5\n  mlops:cloud: docker\n  version: 3\n',
    });
    expect(readStackConfig(readProject(dir), 'dev')).toEqual({
      'fraud:size': 5,
      'mlops:cloud': 'docker',
      // A scalar reads as a string to Pulumi, so a typed string accepts `version: 3`.
      'fraud:version': 3,
      'fraud:team': 'ml',
      'aws:tags': { owner: 'ml' },
      'fraud:flags': ['a'],
    });
  });

  test('Pulumi.yml reads Pulumi.<stack>.yml; a .yaml stack file beside it is named as ignored', () => {
    const dir = project({
      'Pulumi.yml': 'name: p\nruntime: nodejs\n',
      'Pulumi.dev.yml': 'config:\n  p:x: 1\n',
      'Pulumi.qa.yaml': 'config: {}\n',
    });
    const p = readProject(dir);
    expect(readStackConfig(p, 'dev')).toEqual({ 'p:x': 1 });
    expect(() => readStackConfig(p, 'qa')).toThrow(
      `unknown stack "qa": no Pulumi.qa.yml in ${dir} (stacks: dev); Pulumi.qa.yaml is ignored: Pulumi reads the stack file with the project file's extension`,
    );
  });

  test('the deprecated string `config` is the stack config folder; with stackConfigDir too it is refused', () => {
    const dir = project({
      'Pulumi.yaml': 'name: p\nruntime: nodejs\nconfig: stacks\n',
      'stacks/Pulumi.dev.yaml': 'config:\n  a: 1\n',
    });
    expect(readStackConfig(readProject(dir), 'dev')).toEqual({ 'p:a': 1 });
    const both = project({ 'Pulumi.yaml': 'name: p\nruntime: nodejs\nconfig: a\nstackConfigDir: b\n' });
    expect(() => readProject(both)).toThrow(
      `project file error: ${path.join(both, 'Pulumi.yaml')}: Should not use both config and stackConfigDir`,
    );
  });

  test.each([
    [
      'x:\n    type: string\n    default: a\n    value: b',
      "project config 'x' cannot have both a 'default' and 'value' attribute",
    ],
    [
      'aws:region:\n    default: eu-west-1',
      "Configuration key 'aws:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
    ],
    [
      'n:\n    type: integer\n    default: many',
      "The default value specified for configuration key 'n' is not of the expected type 'integer'",
    ],
    [
      'l:\n    type: array\n    default: [a]',
      "The configuration key 'l' declares an array but does not specify the underlying type via the 'items' attribute",
    ],
  ])('%#: a bad declaration is a project file error', (decl, message) => {
    const dir = project({ 'Pulumi.yaml': `name: p\nruntime: nodejs\nconfig:\n  ${decl}\n` });
    expect(() => readProject(dir)).toThrow(
      `project file error: ${path.join(dir, 'Pulumi.yaml')}: ${message}`,
    );
  });
});

describe('the program entry, found as the Node.js language host finds it', () => {
  test('main in Pulumi.yaml: a folder loads its index, .js before .ts', () => {
    const dir = project({
      'Pulumi.yaml': 'name: p\nruntime: nodejs\nmain: infra\n',
      'infra/index.ts': '',
      'infra/index.js': '',
    });
    expect(programEntry(readProject(dir))).toBe(path.join(dir, 'infra', 'index.js'));
  });

  test('without main: package.json exports, then main, then the project folder', () => {
    const exportsDir = project({
      'Pulumi.yaml': 'name: p\nruntime: nodejs\n',
      'package.json': JSON.stringify({ exports: { '.': { require: './bin/run.js' } }, main: 'other.js' }),
      'bin/run.js': '',
      'other.js': '',
    });
    expect(programEntry(readProject(exportsDir))).toBe(path.join(exportsDir, 'bin', 'run.js'));
    const mainDir = project({
      'Pulumi.yaml': 'name: p\nruntime: nodejs\n',
      'package.json': JSON.stringify({ main: 'src/program.ts' }),
      'src/program.ts': '',
    });
    expect(programEntry(readProject(mainDir))).toBe(path.join(mainDir, 'src', 'program.ts'));
    const bare = project({ 'Pulumi.yaml': 'name: p\nruntime: nodejs\n', 'index.ts': '' });
    expect(programEntry(readProject(bare))).toBe(path.join(bare, 'index.ts'));
  });

  test('no program is a one-line reason', () => {
    const dir = project({ 'Pulumi.yaml': 'name: p\nruntime: nodejs\nmain: missing.ts\n' });
    expect(() => programEntry(readProject(dir))).toThrow(
      `no program at ${path.join(dir, 'missing.ts')}: set \`main\` in Pulumi.yaml or in package.json, or add index.ts or index.js`,
    );
  });
});
