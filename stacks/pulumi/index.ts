// Entry point of the reference program (`Pulumi.yaml` points here): `pulumi up` and `mlops synth` run it.
import { churnSystem } from './system';

const outputs = churnSystem();
/** `serving <version>[ promoted from <stack>]`, or `awaiting release: ...` with the command that sets one. */
export const releaseStatus = outputs.releaseStatus;
export const endpointName = outputs.endpointName;
export const endpointUrl = outputs.endpointUrl;
/** docker: the serving image built from templates/serving, by digest: the image a dev release names. */
export const servingImage = outputs.servingImage;
export const pipelineName = outputs.pipelineName;
export const containerRegistryUrl = outputs.containerRegistryUrl;
export const dataBucketUri = outputs.dataBucketUri;
/** The artifact bucket: `mlops:releaseStore.models` is a prefix of it. */
export const artifactBucketUri = outputs.artifactBucketUri;
export const retrainTrigger = outputs.retrainTrigger;
export const baselineUri = outputs.baselineUri;
export const alarmNames = outputs.alarmNames;
export const dashboardUrl = outputs.dashboardUrl;
export const notificationTargets = outputs.notificationTargets;
export const driftCheck = outputs.driftCheck;
