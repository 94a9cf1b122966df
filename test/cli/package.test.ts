/** What `npm pack` ships: the entry points, the `mlops` binary, the policy pack, and every path the README names. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
let shipped: string[];

beforeAll(() => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  shipped = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path);
}, 120000);

describe('the published package', () => {
  test('ships the binary, the policy pack and the sources its source maps and README point at', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        pkg.bin.mlops,
        'policy-pack/PulumiPolicy.yaml',
        'policy-pack/package.json',
        'policy-pack/index.js',
        'lib/testing/recorder.ts',
        'dist/lib/testing/recorder.js.map',
        'stacks/pulumi/system.ts',
      ]),
    );
    expect(shipped.some((f) => f.startsWith('test/'))).toBe(false);
  });

  test('every lib/, stacks/, templates/ and policy-pack/ path the README names is in the package', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/`((?:lib|stacks|templates|policy-pack|dist)\/[^`\s]*)`/g)].map(
      (m) => m[1],
    );
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter(
      (p) => !shipped.some((f) => f === p || f.startsWith(p.endsWith('/') ? p : `${p}/`)),
    );
    expect(missing).toEqual([]);
  });

  test('every export resolves to a shipped file', () => {
    const targets = Object.values(pkg.exports as Record<string, string | Record<string, string>>).flatMap(
      (t) => (typeof t === 'string' ? [t] : Object.values(t)),
    );
    for (const target of targets) expect(shipped).toContain(target.replace(/^\.\//, ''));
  });
});
