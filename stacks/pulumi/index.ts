// Entry point of the reference program (`Pulumi.yaml` points here): `pulumi up` and `mlops synth` run it.
import { churnSystem } from './system';

const outputs = churnSystem();
export const endpointName = outputs.endpointName;
export const endpointUrl = outputs.endpointUrl;
export const pipelineName = outputs.pipelineName;
export const containerRegistryUrl = outputs.containerRegistryUrl;
export const dataBucketUri = outputs.dataBucketUri;
export const retrainTrigger = outputs.retrainTrigger;
export const baselineUri = outputs.baselineUri;
export const alarmNames = outputs.alarmNames;
export const dashboardUrl = outputs.dashboardUrl;
export const notificationTargets = outputs.notificationTargets;
export const driftCheck = outputs.driftCheck;
