/** The parts of `terraform providers schema -json` the converter reads. */

/** A cty type: `"string"`, `"number"`, `"bool"`, `"dynamic"`, `["list", T]`, `["map", T]`, `["object", {...}]`... */
export type CtyType = string | [string, CtyType] | ['object', Record<string, CtyType>] | ['tuple', CtyType[]];

export interface SchemaAttribute {
  readonly type?: CtyType;
  /** Framework-style nested attributes; not used by the resources validated here, refused if met. */
  readonly nested_type?: unknown;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
}

export interface SchemaBlockType {
  readonly nesting_mode: 'single' | 'group' | 'list' | 'set' | 'map';
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, SchemaBlockType>;
}

export interface TerraformSchema {
  readonly resource_schemas: Record<string, { readonly block: SchemaBlock }>;
}
