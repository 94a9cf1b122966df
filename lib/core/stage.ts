/** The clouds a construct renders to through Pulumi. CDK always renders to AWS. */
export const CLOUDS = ['aws', 'gcp', 'docker'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Deployment stages. The stage picks the defaults: see `STAGE_DEFAULTS`. */
export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];
