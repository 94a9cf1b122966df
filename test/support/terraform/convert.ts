/**
 * Converts a recorded Pulumi AWS graph into Terraform JSON for `terraform validate`.
 *
 * `@pulumi/aws` is bridged from the Terraform AWS provider, so every `aws:` resource is a Terraform resource
 * whose arguments Pulumi renames by fixed rules. The conversion reverses them, checking every candidate name
 * and shape against the provider's own schema (`terraform providers schema -json`):
 * - type token `aws:<module>/<resource>:<Resource>` → `aws_<module>_<resource in snake_case>`, or
 *   `aws_<resource>` (the `ec2` module holds `aws_vpc`, `aws_subnet`...; `index` has no module);
 * - camelCase argument → snake_case; Pulumi pluralizes list and set fields (`rules` is Terraform's
 *   repeated `rule` block), so a plural name maps to a singular Terraform list or set field only;
 * - Pulumi flattens blocks of at most one item into an object: it becomes one block; a list of objects
 *   becomes repeated blocks; maps keep their keys as they are; JSON documents are strings on both sides;
 * - strings are literals: `${` and `%{` are escaped (`$${`, `%%{`), as Terraform JSON reads strings as templates;
 * - renames the bridge makes beyond these rules are listed in `PULUMI_RENAMES`.
 *
 * The provider on these machines is 5.100, while `@pulumi/aws` 7 bridges 6.x. Every difference for the types
 * the constructs create is listed in `SCHEMA_DIFFERENCES` (`./differences.ts`) with its handling: the
 * per-resource `region` becomes an aliased provider configuration of that region; the 6.x-only arguments
 * the constructs do not send fail the conversion if one appears. Any other argument without a Terraform
 * counterpart fails it too: nothing is dropped silently.
 *
 * Values are the recorded inputs, which are literals: the mocks return what a real provider computes (ARNs,
 * names, ids), so `terraform validate` checks real values, not unknowns. An input that depends on another
 * resource but has no value (an output the mocks do not return) fails the conversion.
 */
import { autoName, type RecordedResource } from '../../../lib/testing';
import { SCHEMA_DIFFERENCES, differenceOf } from './differences';
import type { CtyType, SchemaBlock, TerraformSchema } from './schema';
import { regionAlias } from './workspace';

/** Bridge renames that the snake_case and plural rules do not explain: Terraform type → Pulumi path → Terraform name. */
export const PULUMI_RENAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Pulumi calls the alarm's name `name` (its docs: "The descriptive name for the alarm"); Terraform `alarm_name`.
  aws_cloudwatch_metric_alarm: { name: 'alarm_name' },
  // Pulumi calls the subscribed topic `topic` (its docs: "ARN of the SNS topic to subscribe to"); Terraform `topic_arn`.
  aws_sns_topic_subscription: { topic: 'topic_arn' },
};

/**
 * Pulumi auto-names resources: a name argument left out gets `<logical name>-<random suffix>` before the
 * provider sees it (the mocks return the same name, with a stable suffix: `autoName`). The argument is
 * `name`, or the one listed here.
 */
export const AUTO_NAMED: Readonly<Record<string, string>> = { aws_s3_bucket: 'bucket' };

/**
 * Terraform types of tokens whose Pulumi name is not the Terraform one. The token's docs (its `.d.ts`) are the
 * Terraform resource's: "an independent configuration resource for S3 bucket replication configuration".
 */
export const TYPE_OVERRIDES: Readonly<Record<string, string>> = {
  'aws:s3/bucketReplicationConfig:BucketReplicationConfig': 'aws_s3_bucket_replication_configuration',
};

export interface ConvertOptions {
  /** Prefixes every Terraform resource name, so several graphs validate in one configuration. */
  readonly prefix: string;
  /** Region of resources that name none (the stack's `aws:region`). */
  readonly defaultRegion: string;
}

export interface TerraformConversion {
  /** The `resource` section of a Terraform JSON configuration. */
  readonly config: { resource: Record<string, Record<string, Record<string, unknown>>> };
  /** Regions the resources are in; each needs a provider configuration aliased `regionAlias(region)`. */
  readonly regions: string[];
  /** Registrations that are not AWS provider resources (components, other providers), as `type name`. */
  readonly skipped: string[];
}

type Json = Record<string, unknown>;

/** Converts one recorded graph; throws listing every argument or type it cannot map. */
export function toTerraform(
  resources: readonly RecordedResource[],
  schema: TerraformSchema,
  options: ConvertOptions,
): TerraformConversion {
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  const regions = new Set<string>();
  const skipped: string[] = [];
  const problems: string[] = [];
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith('aws:')) {
      skipped.push(`${r.type} ${r.name}`);
      continue;
    }
    const type = terraformType(r.type, schema);
    if (!type) {
      problems.push(`${r.type}: no Terraform resource type found; add it to TYPE_OVERRIDES`);
      continue;
    }
    // An input built from another resource's output that resolved to nothing was unknown: the mocks did not
    // return that output, and the argument would vanish unchecked.
    for (const [key, sources] of Object.entries(r.propertyDependencies)) {
      if (sources.length > 0 && r.inputs[key] === undefined) {
        problems.push(
          `${r.type} ${r.name}: ${key} comes from ${sources.join(', ')} but has no value: return that output from the mocks`,
        );
      }
    }
    // The 6.x per-resource `region` argument (SCHEMA_DIFFERENCES) becomes the provider configuration of that region.
    const { region, ...inputs } = r.inputs as Json & { region?: unknown };
    const where = typeof region === 'string' ? region : options.defaultRegion;
    const context: Context = { type, problems, resource: `${r.type} ${r.name}` };
    const block = schema.resource_schemas[type].block;
    const body = convertBlock(dropDifferences(type, inputs), block, '', context);
    const named = AUTO_NAMED[type] ?? 'name';
    const nameArgument = block.attributes?.[named];
    if (
      nameArgument &&
      (nameArgument.optional || nameArgument.required) &&
      !(named in body) &&
      !(`${named}_prefix` in body)
    ) {
      body[named] = autoName(r.name);
    }
    regions.add(where);
    body.provider = `aws.${regionAlias(where)}`;
    const name = terraformName(`${options.prefix}__${r.name}`);
    const ofType = (resource[type] ??= {});
    if (ofType[name]) problems.push(`${r.type} ${r.name}: two resources of this type share the name ${name}`);
    ofType[name] = body;
  }
  if (problems.length > 0) {
    throw new Error(`cannot convert the ${options.prefix} graph to Terraform:\n- ${problems.join('\n- ')}`);
  }
  return { config: { resource }, regions: [...regions].sort(), skipped };
}

interface Context {
  readonly type: string;
  readonly resource: string;
  readonly problems: string[];
}

function terraformType(token: string, schema: TerraformSchema): string | undefined {
  if (TYPE_OVERRIDES[token]) return TYPE_OVERRIDES[token];
  const match = /^aws:([^/]+)\/([^:]+):[^:]+$/.exec(token);
  if (!match) return undefined;
  const [, module, resource] = match;
  const candidates =
    module === 'index'
      ? [`aws_${snake(resource)}`]
      : [`aws_${module}_${snake(resource)}`, `aws_${snake(resource)}`];
  const found = candidates.filter((c) => schema.resource_schemas[c]);
  // Both exist: the rule cannot tell which one the bridge means.
  return found.length === 1 ? found[0] : undefined;
}

function dropDifferences(type: string, inputs: Json): Json {
  const out = { ...inputs };
  for (const difference of SCHEMA_DIFFERENCES) {
    if ((difference.terraformType === type || difference.terraformType === '*') && difference.drop)
      delete out[difference.pulumiPath];
  }
  return out;
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The Terraform field for a Pulumi key, and whether Pulumi pluralized it. */
function fieldName(key: string, block: SchemaBlock, path: string, context: Context): string | undefined {
  const renamed = PULUMI_RENAMES[context.type]?.[path + key];
  if (renamed) return renamed;
  const has = (name: string) => Boolean(block.attributes?.[name] ?? block.block_types?.[name]);
  const base = snake(key);
  if (has(base)) return base;
  const singulars = [
    base.endsWith('ies') ? `${base.slice(0, -3)}y` : undefined,
    base.endsWith('es') ? base.slice(0, -2) : undefined,
    base.endsWith('s') ? base.slice(0, -1) : undefined,
  ];
  // Pulumi pluralizes list and set fields only.
  return singulars.find((name) => name !== undefined && has(name) && isCollection(block, name));
}

function isCollection(block: SchemaBlock, name: string): boolean {
  const nested = block.block_types?.[name];
  if (nested) return nested.nesting_mode === 'list' || nested.nesting_mode === 'set';
  const type = block.attributes?.[name]?.type;
  return Array.isArray(type) && (type[0] === 'list' || type[0] === 'set');
}

function convertBlock(value: unknown, block: SchemaBlock, path: string, context: Context): Json {
  if (!isObject(value)) {
    context.problems.push(
      `${context.resource}: ${path || '(inputs)'} is not an object: ${JSON.stringify(value)}`,
    );
    return {};
  }
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null) continue;
    const where = path + key;
    const name = fieldName(key, block, path, context);
    if (!name) {
      const known = differenceOf(context.type, where);
      context.problems.push(
        known
          ? `${context.resource}: ${where} exists only in the 6.x schema (SCHEMA_DIFFERENCES): 5.100 cannot check it; decide how to validate it`
          : `${context.resource}: ${where} has no ${context.type} argument; if 6.x added it, list it in SCHEMA_DIFFERENCES`,
      );
      continue;
    }
    const attribute = block.attributes?.[name];
    if (attribute) {
      if (attribute.nested_type || attribute.type === undefined) {
        context.problems.push(
          `${context.resource}: ${where} is a nested attribute, which the converter does not read`,
        );
        continue;
      }
      out[name] = convertValue(item, attribute.type, `${where}.`, context);
      continue;
    }
    const nested = block.block_types![name];
    if (nested.nesting_mode === 'single' || nested.nesting_mode === 'group') {
      out[name] = convertBlock(item, nested.block, `${where}.`, context);
    } else if (nested.nesting_mode === 'map') {
      out[name] = isObject(item)
        ? Object.fromEntries(
            Object.entries(item).map(([k, v]) => [
              literalKey(k, context),
              convertBlock(v, nested.block, `${where}.`, context),
            ]),
          )
        : {};
    } else {
      // A flattened block (at most one item) is an object in Pulumi; a repeated block is a list.
      const items = Array.isArray(item) ? item : [item];
      out[name] = items.map((element) => convertBlock(element, nested.block, `${where}.`, context));
    }
  }
  return out;
}

function convertValue(value: unknown, type: CtyType, path: string, context: Context): unknown {
  if (value === null || value === undefined) return value;
  if (typeof type === 'string') return literal(value, context);
  const [kind, inner] = type;
  if ((kind === 'list' || kind === 'set') && Array.isArray(value)) {
    return value.map((v) => convertValue(v, inner as CtyType, path, context));
  }
  if (kind === 'map' && isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        literalKey(k, context),
        convertValue(v, inner as CtyType, path, context),
      ]),
    );
  }
  if (kind === 'object' && isObject(value)) {
    const fields = inner as Record<string, CtyType>;
    const asBlock: SchemaBlock = {
      attributes: Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, { type: t }])),
    };
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      const name = fieldName(key, asBlock, path, context);
      if (!name) {
        context.problems.push(`${context.resource}: ${path}${key} has no ${context.type} attribute`);
        continue;
      }
      out[name] = convertValue(v, fields[name], `${path}${key}.`, context);
    }
    return out;
  }
  // A type mismatch (an object for a string): hand it over as it is, so terraform reports it.
  return literal(value, context);
}

/** Escapes Terraform template sequences in every string, so each value stays the literal Pulumi sends. */
function literal(value: unknown, context: Context): unknown {
  if (typeof value === 'string')
    return value.replace(/([$%])\{/g, (_match, sigil: string) => `${sigil}${sigil}{`);
  if (Array.isArray(value)) return value.map((v) => literal(v, context));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [literalKey(k, context), literal(v, context)]),
    );
  return value;
}

function literalKey(key: string, context: Context): string {
  if (/[$%]\{/.test(key))
    context.problems.push(`${context.resource}: the map key ${key} would be read as a template`);
  return key;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Terraform resource name: letters, digits, `_` and `-`, starting with a letter. */
function terraformName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `r_${cleaned}`;
}
