/**
 * SageMaker Model Monitor's prebuilt analyzer (`sagemaker-model-monitor-analyzer`): the image that computes a
 * data-quality baseline (`statistics.json`, `constraints.json`) and, on a schedule, compares captured
 * requests with it. Written once for the pipeline's baselining step and the monitor's job definition.
 *
 * The image lives in an account AWS owns in each region. It cannot be pulled by anyone but SageMaker, which
 * pulls it itself for baselining and monitoring jobs: the job's role needs no ECR permission for it.
 */

/** The analyzer's ECR repository name. */
export const MODEL_MONITOR_ANALYZER_REPOSITORY = 'sagemaker-model-monitor-analyzer';

/**
 * The account holding the analyzer in each region: the table of the SageMaker developer guide ("Amazon
 * SageMaker Model Monitor prebuilt container"), with the regions added since as the SageMaker Python SDK
 * lists them (`image_uri_config/model-monitor.json`).
 */
export const MODEL_MONITOR_ANALYZER_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '875698925577',
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-northeast-3': '990339680094',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ap-southeast-3': '669540362728',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-central-2': '590183933784',
  'eu-north-1': '895015795356',
  'eu-south-1': '933208885752',
  'eu-south-2': '437450045455',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'il-central-1': '843974653677',
  'me-central-1': '588750061953',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-gov-west-1': '362178532790',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

/** The domain suffix of a region's ECR registries: `amazonaws.com.cn` in China, `amazonaws.com` elsewhere. */
export function ecrDomainSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/**
 * The analyzer image of a region, such as `468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer`;
 * undefined in a region the table does not list.
 */
export function modelMonitorAnalyzerImage(region: string): string | undefined {
  const account = MODEL_MONITOR_ANALYZER_ACCOUNTS[region];
  if (!account) return undefined;
  return analyzerImageUri(account, region, ecrDomainSuffix(region));
}

/** The analyzer's image URI from its parts (plain strings, or deploy-time tokens in CDK). */
export function analyzerImageUri(account: string, region: string, domainSuffix: string): string {
  return `${account}.dkr.ecr.${region}.${domainSuffix}/${MODEL_MONITOR_ANALYZER_REPOSITORY}`;
}

/** The regions the analyzer is listed in, for error messages. */
export function modelMonitorRegions(): string[] {
  return Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).sort();
}
