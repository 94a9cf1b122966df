/**
 * A Pulumi stack file (`Pulumi.<stack>.yaml`) read and edited as a YAML document, so an edit changes only the
 * keys it sets: comments, key order, quoting and layout of everything else survive byte for byte. Reads the
 * keys promotion needs; every other key is left alone (a secret elsewhere in the file is no obstacle).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isPair, isScalar, parseDocument, visit, type Node } from 'yaml';
import { CliError } from '../cli/errors';
import { isRecord } from '../cli/project';
import { readStackConfig, stackFile, type PulumiProject } from '../cli/stack-config';
import { writeFileAtomic } from './atomic-write';
import {
  RELEASE_CONFIG_KEY,
  RELEASE_STORE_CONFIG_KEY,
  STABLE_RELEASE_CONFIG_KEY,
  type ReleaseCloud,
} from './release-types';

const CLOUDS: readonly ReleaseCloud[] = ['aws', 'gcp', 'docker'];
/** How the document is written back: no line folding, so long values stay on one line as they were. */
const TO_STRING = { lineWidth: 0, minContentWidth: 0 } as const;

export class StackFile {
  /** The bytes read: a command that changes nothing writes nothing, and tests compare with them. */
  readonly original: Buffer;
  private readonly doc: Document;

  private constructor(
    readonly project: PulumiProject,
    readonly stack: string,
    readonly file: string,
  ) {
    this.original = readFileSync(file);
    this.doc = parseDocument(this.original.toString('utf8'));
    if (this.doc.errors.length > 0)
      // The yaml message's first line ends in `:` before the source excerpt it quotes: keep the sentence only.
      throw new CliError(
        `stack file error: ${file}: ${this.doc.errors[0].message.split('\n')[0].replace(/:\s*$/, '')}`,
      );
    const contents = this.doc.contents;
    if (contents !== null && !isMap(contents))
      throw new CliError(`stack file error: ${file}: expected a mapping with a \`config\` key`);
    const config = this.doc.get('config');
    if (config !== undefined && config !== null && !isMap(config))
      throw new CliError(`stack file error: ${file}: \`config\` must map keys (\`namespace:key\`) to values`);
  }

  /** The stack file of `stack` in the project (`stackConfigDir`, the project file's extension). */
  static load(project: PulumiProject, stack: string): StackFile {
    const file = stackFile(project, stack);
    // readStackConfig says which stacks exist (and about a stack file with another extension).
    if (!existsSync(file)) readStackConfig(project, stack);
    if (path.extname(file) === '.json')
      throw new CliError(
        `${file}: mlops edits YAML stack files only; convert it to ${path.basename(file, '.json')}.yaml (and the project file to Pulumi.yaml)`,
      );
    return new StackFile(project, stack, file);
  }

  /**
   * The value of a config key (`namespace:key`) as plain data: the stack file's, else the project file's
   * value or default; undefined when neither sets it. A secret is refused: it cannot be read offline.
   */
  get(key: string): unknown {
    const value = this.ownValue(key);
    if (value !== undefined) return value;
    return this.project.config[key]?.value;
  }

  /** True when the stack file itself sets the key. */
  has(key: string): boolean {
    return this.ownValue(key) !== undefined;
  }

  private ownValue(key: string): unknown {
    const config = this.doc.toJS({ maxAliasCount: 100 }) as { config?: Record<string, unknown> } | null;
    const entries = config?.config ?? {};
    // A key without a namespace belongs to the project, as in Pulumi.
    const own = key.startsWith(`${this.project.name}:`) ? key.slice(this.project.name.length + 1) : undefined;
    const value = entries[key] ?? (own !== undefined ? entries[own] : undefined);
    if (isRecord(value) && 'secure' in value)
      throw new CliError(
        `${key} in ${this.file} is a secret, which mlops cannot read offline; it must be plain config`,
      );
    return value === null ? undefined : value;
  }

  /**
   * Sets a config key to plain data, in block style; ISO times are quoted (YAML 1.1 readers, Pulumi's among
   * them, would read them as timestamps). Only the key's own lines change.
   */
  set(key: string, value: unknown): void {
    const node = quoteTimes(this.doc.createNode(value));
    if (!isMap(this.doc.get('config'))) this.doc.set('config', this.doc.createNode({}));
    this.doc.setIn(['config', key], node);
    this.splice(key, value);
  }

  /** Removes a config key; false when the stack file did not set it. */
  delete(key: string): boolean {
    if (!isMap(this.doc.get('config'))) return false;
    if (!this.doc.deleteIn(['config', key])) return false;
    this.splice(key, undefined);
    return true;
  }

  /**
   * The document as it would be written: the original text with only the edited keys' lines replaced; when the
   * file's shape does not allow that (no block \`config\` mapping yet), the whole document re-rendered.
   */
  text(): string {
    if (this.edits === 0) return this.original.toString('utf8');
    if (this.spliced !== undefined) return this.spliced;
    return this.doc.toString(TO_STRING);
  }

  /** The text edited line by line (undefined once an edit could not be made that way). */
  private spliced: string | undefined;

  /** Applies one edit to the text: replace, insert or remove the lines of one config key. */
  private splice(key: string, value: unknown): void {
    const before = this.spliced ?? (this.edits === 0 ? this.original.toString('utf8') : undefined);
    this.edits++;
    const after = before === undefined ? undefined : spliceConfigKey(before, key, value);
    // Kept only when it says exactly what the edited document says.
    this.spliced =
      after !== undefined && sameData(parseDocument(after).toJS(), this.doc.toJS()) ? after : undefined;
  }

  private edits = 0;

  /** True when the edits change the file's bytes. */
  changed(): boolean {
    return !Buffer.from(this.text(), 'utf8').equals(this.original);
  }

  /** Writes the edited document atomically (temporary file, then rename); nothing when nothing changed. */
  write(): boolean {
    if (!this.changed()) return false;
    writeFileAtomic(this.file, this.text());
    return true;
  }

  /** `mlops:release`, as written (not yet validated); undefined when the stack serves none. */
  release(): unknown {
    return this.get(RELEASE_CONFIG_KEY);
  }

  /** `mlops:stableRelease`, as written; undefined when not set. */
  stableRelease(): unknown {
    return this.get(STABLE_RELEASE_CONFIG_KEY);
  }

  /** `mlops:releaseStore`, as written; undefined when not set. */
  releaseStore(): unknown {
    return this.get(RELEASE_STORE_CONFIG_KEY);
  }

  /** `mlops:cloud`, required and one of aws, gcp, docker. */
  cloud(): ReleaseCloud {
    const cloud = this.get('mlops:cloud');
    if (typeof cloud !== 'string' || !(CLOUDS as readonly string[]).includes(cloud))
      throw new CliError(
        `stack ${this.stack}: mlops:cloud must be one of ${CLOUDS.join(', ')} in ${this.file} (found ${cloud === undefined ? 'none' : JSON.stringify(cloud)})`,
      );
    return cloud as ReleaseCloud;
  }

  /** The region: `mlops:region`, else `aws:region` / `gcp:region`; undefined when none is set. */
  region(): string | undefined {
    for (const key of ['mlops:region', 'aws:region', 'gcp:region']) {
      const value = this.get(key);
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  }

  /** `gcp:project`; undefined when not set. */
  gcpProject(): string | undefined {
    const value = this.get('gcp:project');
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
}

function quoteTimes<T extends Node>(node: T): T {
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && /^\d{4}-\d\d-\d\d/.test(scalar.value))
        scalar.type = 'QUOTE_DOUBLE';
    },
  });
  return node;
}

function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const nl = text.indexOf('\n', at);
  return nl === -1 ? text.length : nl + 1;
};

/** `key: value` rendered as block YAML lines indented by `indent`, ending with a newline. */
function renderPair(key: string, value: unknown, indent: string): string {
  const doc = new Document({ [key]: value });
  if (doc.contents) quoteTimes(doc.contents);
  return doc
    .toString(TO_STRING)
    .split('\n')
    .map((line) => (line === '' ? line : `${indent}${line}`))
    .join('\n');
}

/**
 * The text with the config key's lines replaced by `value` (removed when undefined, appended after the last
 * config key when new). Undefined when `config` is not a block mapping with at least one key.
 */
function spliceConfigKey(text: string, key: string, value: unknown): string | undefined {
  const doc = parseDocument(text);
  const config = doc.get('config', true);
  if (!isMap(config) || config.flow || config.items.length === 0) return undefined;
  const pairs = config.items.filter(isPair);
  const found = pairs.find((p) => isScalar(p.key) && p.key.value === key);
  const last = pairs[pairs.length - 1];
  const anchor = found ?? last;
  if (!isScalar(anchor.key) || !anchor.key.range) return undefined;
  const keyStart = anchor.key.range[0];
  const from = lineStart(text, keyStart);
  const indent = text.slice(from, keyStart);
  if (!/^ *$/.test(indent)) return undefined;
  const valueNode = anchor.value as Node | null;
  const valueEnd = valueNode?.range ? valueNode.range[1] : anchor.key.range[1];
  const to = lineEnd(text, Math.max(valueEnd - 1, keyStart));
  const rendered = value === undefined ? '' : renderPair(key, value, indent);
  const withNewline = (t: string) => (t.endsWith('\n') || t === '' ? t : `${t}\n`);
  if (found) return text.slice(0, from) + rendered + text.slice(to);
  if (value === undefined) return text;
  return withNewline(text.slice(0, to)) + rendered + text.slice(to);
}
