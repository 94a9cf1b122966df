import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../lib/promotion/atomic-write';

const dir = () => mkdtempSync(path.join(tmpdir(), 'mlops-atomic-'));

afterEach(() => {
  delete process.env.MLOPS_FAIL_BEFORE_RENAME;
});

describe('writeFileAtomic', () => {
  test('replaces the file, keeps its mode and leaves no temporary file', () => {
    const d = dir();
    const file = path.join(d, 'Pulumi.prod.yaml');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o600);
    writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(['Pulumi.prod.yaml']);
  });

  test('creates a new file and its folder', () => {
    const d = dir();
    const file = path.join(d, '.mlops', 'promotion-a-to-b.json');
    writeFileAtomic(file, '{}\n');
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
    expect(readdirSync(path.join(d, '.mlops'))).toEqual(['promotion-a-to-b.json']);
  });

  test('a failed write removes the folders it created: nothing is left', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-atomic-'));
    process.env.MLOPS_FAIL_BEFORE_RENAME = '1';
    expect(() => writeFileAtomic(path.join(dir, '.mlops', 'plans', 'plan.json'), '{}\n')).toThrow(
      /MLOPS_FAIL_BEFORE_RENAME=1: failing between write and rename/,
    );
    expect(readdirSync(dir)).toEqual([]);
    // A folder that was there stays.
    writeFileSync(path.join(dir, 'keep'), 'x');
    expect(() => writeFileAtomic(path.join(dir, 'plan.json'), '{}\n')).toThrow(/MLOPS_FAIL_BEFORE_RENAME/);
    expect(readdirSync(dir)).toEqual(['keep']);
  });

  test('MLOPS_FAIL_BEFORE_RENAME=1 fails after the temporary file is written: the file is byte-identical, no temporary file is left', () => {
    const d = dir();
    const file = path.join(d, 'Pulumi.prod.yaml');
    const before = Buffer.from('config:\n  mlops:cloud: aws   # as it was\n');
    writeFileSync(file, before);
    process.env.MLOPS_FAIL_BEFORE_RENAME = '1';
    expect(() => writeFileAtomic(file, 'config: {}\n')).toThrow(
      `MLOPS_FAIL_BEFORE_RENAME=1: failing between write and rename of ${file} (test hook; nothing was changed)`,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(d)).toEqual(['Pulumi.prod.yaml']);
  });
});
