/**
 * The champion lookup of `qualityGate.mustBeatApproved` on aws: a program the `FindChampion` processing step
 * runs before the evaluation. It asks the model registry for the newest approved version of the group and
 * writes `champion.json`, whose `inputUri` the evaluation then receives as a processing input. The evaluation
 * itself keeps network isolation: only this step, which reads no data, talks to the SageMaker API.
 *
 * The program travels inside the pipeline definition, so it needs no file in the image: any evaluation image
 * with `python3` and `boto3` runs it. SageMaker caps each `ContainerEntrypoint` and `ContainerArguments`
 * string at 256 characters and matches them against `.*`, which refuses line breaks: the source travels
 * base64-encoded, split across the arguments, and a fixed one-line launcher joins and decodes it.
 */

/**
 * The program. Its inputs are environment variables, never spliced into its code:
 * - `MLOPS_MODEL_GROUP`: the model package group;
 * - `MLOPS_CHAMPION_OUTPUT_DIR`: where to write `champion.json` (the step's output directory);
 * - `MLOPS_CHAMPION_OUTPUT_URI`: the S3 prefix that output is uploaded to, handed to the evaluation when
 *   nothing is approved (a processing input must name something that exists: it then holds only
 *   `champion.json`, which the evaluation reads as "no approved model").
 *
 * `champion.json` is `{"found": bool, "modelPackageArn": str|null, "modelDataUrl": str|null, "inputUri": str}`.
 */
export const CHAMPION_LOOKUP_PROGRAM = [
  'import json, os',
  'try:',
  '    import boto3',
  'except ImportError:',
  '    raise SystemExit("the champion lookup (qualityGate.mustBeatApproved) runs in the evaluation image, which needs boto3")',
  'env = os.environ',
  'group = env["MLOPS_MODEL_GROUP"]',
  'sagemaker = boto3.client("sagemaker")',
  '# Newest first: ListModelPackages sorts by creation time; only the first approved version matters.',
  'listed = sagemaker.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="Approved",',
  '    SortBy="CreationTime", SortOrder="Descending", MaxResults=1)["ModelPackageSummaryList"]',
  'report = {"found": False, "modelPackageArn": None, "modelDataUrl": None, "inputUri": env["MLOPS_CHAMPION_OUTPUT_URI"]}',
  'if listed:',
  '    arn = listed[0]["ModelPackageArn"]',
  '    package = sagemaker.describe_model_package(ModelPackageName=arn)',
  '    urls = [c["ModelDataUrl"] for c in package["InferenceSpecification"]["Containers"] if c.get("ModelDataUrl")]',
  '    if len(urls) != 1:',
  '        raise SystemExit("approved model %s has %d model artifacts; the gate compares one" % (arn, len(urls)))',
  '    report = {"found": True, "modelPackageArn": arn, "modelDataUrl": urls[0], "inputUri": urls[0]}',
  'os.makedirs(env["MLOPS_CHAMPION_OUTPUT_DIR"], exist_ok=True)',
  'with open(os.path.join(env["MLOPS_CHAMPION_OUTPUT_DIR"], "champion.json"), "w") as f:',
  '    json.dump(report, f)',
  'print("champion of %s: %s" % (group, report["modelPackageArn"] or "none approved"))',
].join('\n');

/** The most characters SageMaker accepts in one `ContainerEntrypoint` or `ContainerArguments` string. */
export const CONTAINER_STRING_MAX = 256;

/** Runs the program given as the container arguments: joined in order, then base64-decoded. */
export const LAUNCHER = [
  'python3',
  '-c',
  "import base64, sys; exec(base64.b64decode(''.join(sys.argv[1:])).decode())",
] as const;

/**
 * The program, base64-encoded (no line breaks, which SageMaker's `.*` pattern refuses) and split into
 * container arguments of at most `CONTAINER_STRING_MAX` characters.
 */
export function programArguments(program: string = CHAMPION_LOOKUP_PROGRAM): string[] {
  const encoded = Buffer.from(program, 'utf8').toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < encoded.length; i += CONTAINER_STRING_MAX)
    chunks.push(encoded.slice(i, i + CONTAINER_STRING_MAX));
  return chunks;
}
