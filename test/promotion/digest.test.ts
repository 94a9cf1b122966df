import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { digestOf, DigestError, treeDigest } from '../../lib/promotion/artifact-digest';
import { formatDigestResult, runDigestCommand } from '../../lib/cli/digest';
import { CliError } from '../../lib/cli/errors';

let root: string;
let model: string;

function write(rel: string, content: string | Buffer): void {
  const file = path.join(model, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The digest as decision 3 words it, computed by coreutils: sha256sum's lines, sorted bytewise, hashed. */
function shellDigest(dir: string): string {
  const out = execFileSync(
    'sh',
    [
      '-c',
      `cd "$1" && find . -type f -printf '%P\\n' | while IFS= read -r f; do sha256sum "$f"; done | LC_ALL=C sort | sha256sum`,
      'sh',
      dir,
    ],
    { encoding: 'utf8' },
  );
  return `sha256:${out.split(' ')[0]}`;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'digest-test-'));
  model = path.join(root, 'model');
  write('model.json', '{"features":["tenure","charges"],"weights":[0.4,-1.2],"bias":0.1}\n');
  write('code/inference.py', 'print("hello")\n');
  write('assets/vocab/words.txt', 'a\nb\nc\n');
  write('weights.bin', Buffer.from([0, 1, 2, 3, 255, 254]));
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('treeDigest', () => {
  test('is sha256 over the sorted "<sha256>  <path>" lines of every regular file, as sha256sum writes them', async () => {
    const digest = await treeDigest(model);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).toBe(shellDigest(model));
  });

  test('the same for a directory and for its tar.gz made by tar (with and without ./ entries)', async () => {
    const dirDigest = await treeDigest(model);
    const dotted = path.join(root, 'model.tar.gz');
    execFileSync('tar', ['-czf', dotted, '-C', model, '.']);
    const named = path.join(root, 'named.tgz');
    execFileSync('tar', ['-czf', named, '-C', model, 'model.json', 'code', 'assets', 'weights.bin']);
    expect(await digestOf(dotted)).toBe(dirDigest);
    expect(await digestOf(named)).toBe(dirDigest);
    expect(await digestOf(model)).toBe(dirDigest);
  });

  test('changes when one byte of one file changes, when a file is renamed, and when a file is added', async () => {
    const before = await treeDigest(model);
    write('weights.bin', Buffer.from([0, 1, 2, 3, 255, 253]));
    const changedByte = await treeDigest(model);
    expect(changedByte).not.toBe(before);
    fs.renameSync(path.join(model, 'weights.bin'), path.join(model, 'weights2.bin'));
    const renamed = await treeDigest(model);
    expect(renamed).not.toBe(changedByte);
    write('extra.txt', '');
    expect(await treeDigest(model)).not.toBe(renamed);
  });

  test('empty directories do not count', async () => {
    const before = await treeDigest(model);
    fs.mkdirSync(path.join(model, 'empty/deeper'), { recursive: true });
    expect(await treeDigest(model)).toBe(before);
  });

  test('a symbolic link is refused, naming it', async () => {
    fs.symlinkSync('model.json', path.join(model, 'link.json'));
    await expect(treeDigest(model)).rejects.toThrow(DigestError);
    await expect(treeDigest(model)).rejects.toThrow(`link.json in ${model} is a symbolic link`);
  });

  test('a symbolic link inside a tar.gz is refused too', async () => {
    fs.symlinkSync('../model.json', path.join(model, 'assets/link'));
    const archive = path.join(root, 'model.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', model, '.']);
    await expect(digestOf(archive)).rejects.toThrow(`assets/link in ${archive} is a symbolic link`);
  });

  test('a named pipe is refused', async () => {
    execFileSync('mkfifo', [path.join(model, 'pipe')]);
    await expect(treeDigest(model)).rejects.toThrow(`pipe in ${model} is not a regular file`);
  });

  test('a missing path, a plain file and a broken archive are refused with a reason', async () => {
    await expect(digestOf(path.join(root, 'nope'))).rejects.toThrow(
      `${path.join(root, 'nope')} does not exist`,
    );
    await expect(digestOf(path.join(model, 'model.json'))).rejects.toThrow(
      'is neither a directory nor a .tar.gz/.tgz archive',
    );
    const broken = path.join(root, 'broken.tar.gz');
    fs.writeFileSync(broken, 'not gzip');
    await expect(digestOf(broken)).rejects.toThrow(`cannot extract ${broken} with tar`);
  });

  test('the temporary extraction folder is removed, also when extraction fails', async () => {
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const archive = path.join(root, 'model.tar.gz');
      execFileSync('tar', ['-czf', archive, '-C', model, '.']);
      await digestOf(archive);
      const broken = path.join(root, 'broken.tgz');
      fs.writeFileSync(broken, 'x');
      await expect(digestOf(broken)).rejects.toThrow(DigestError);
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('runDigestCommand', () => {
  test('prints the digest; with --expect says OK or the mismatch', async () => {
    const digest = shellDigest(model);
    const plain = await runDigestCommand({ path: model });
    expect(plain).toEqual({ digest, ok: true });
    expect(formatDigestResult({ path: model }, plain)).toBe(digest);

    const matched = await runDigestCommand({ path: model, expect: digest });
    expect(matched).toEqual({ digest, ok: true });
    expect(formatDigestResult({ path: model, expect: digest }, matched)).toBe(`${digest}  OK`);

    const other = `sha256:${'0'.repeat(64)}`;
    const mismatch = await runDigestCommand({ path: model, expect: other });
    expect(mismatch).toEqual({ digest, ok: false });
    expect(formatDigestResult({ path: model, expect: other }, mismatch)).toBe(
      `digest mismatch for ${model}: expected ${other}, got ${digest}; the files differ from the release's model (a partial or wrong copy): fetch them again`,
    );
  });

  test('a malformed --expect and a symlinked tree are CliErrors with one-line reasons', async () => {
    await expect(runDigestCommand({ path: model, expect: 'abc' })).rejects.toThrow(CliError);
    await expect(runDigestCommand({ path: model, expect: `sha256:${'A'.repeat(64)}` })).rejects.toThrow(
      '--expect "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" is not a tree digest',
    );
    fs.symlinkSync('model.json', path.join(model, 'l'));
    const err = await runDigestCommand({ path: model }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe(
      `l in ${model} is a symbolic link; a model tree holds only regular files and directories (replace the link with the file it points to)`,
    );
  });
});
