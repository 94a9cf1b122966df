/**
 * Renders a resolved MlPipeline to local Docker: volumes for data, artifacts and registered models, a local
 * image registry, a one-shot pipeline runner (train, evaluate, gate, register or fail), created stopped, and
 * a scheduler that starts it on the retraining schedule; `docker start <pipeline>-runner` runs it on demand.
 * Needs Docker Engine 26 or later (volume sub-path mounts). Limits of the local target, by design: volumes
 * are not versioned and runs under `runs/` are kept until you remove them (`retentionDays` does not apply),
 * `maxRuntimeMinutes` is not enforced, and the runner and scheduler hold the Docker socket: they start
 * containers on the host's engine, which amounts to root on the host, so whoever can change the stack's
 * arguments (images, commands, environment) can run anything there.
 */
import * as pulumi from '@pulumi/pulumi';
import * as docker from '@pulumi/docker';
import { buildAndPush } from '../blocks/pulumi-image-build';
import {
  DOCKER_SOCKET,
  GATE_IMAGE,
  REGISTRY_IMAGE,
  REGISTRY_PORT,
  RUNNER_IMAGE,
  RUNNER_PATHS,
  SCHEDULER_IMAGE,
  containerNames,
  isLocalRegistryImage,
  runnerScript,
  ofeliaCommand,
  schedulerLabels,
  volumeNames,
} from './docker-facts';
import type { RenderedPipeline } from './rendered';
import { pipelineImages, type ResolvedMlPipeline } from './resolve';

export interface MlPipelineDockerChildren {
  readonly network: docker.Network;
  readonly dataVolume: docker.Volume;
  readonly artifactVolume: docker.Volume;
  /** The local model registry: one directory per model group, one per registered run. */
  readonly modelVolume: docker.Volume;
  readonly registry: docker.Container;
  /** The one-shot pipeline runner, created stopped; `docker start` it to retrain. */
  readonly runner: docker.Container;
  /** Starts the runner on the schedule; undefined when retraining is on demand only. */
  readonly scheduler?: docker.Container;
}

export function renderDocker(
  spec: ResolvedMlPipeline,
  parent: pulumi.Resource,
): RenderedPipeline<MlPipelineDockerChildren> {
  const name = spec.constructName;
  const opts = { parent };
  // The registry, runner and scheduler have fixed names (the runner's is the retrain trigger and Ofelia's
  // target) and the registry a fixed host port. Pulumi creates a replacement before it deletes the old
  // resource, so the engine would refuse the second container with 409 Conflict: delete them first. None of
  // them serves traffic; a run in progress when the runner is replaced is stopped.
  const replaceInPlace = { parent, deleteBeforeReplace: true };
  const keep = { parent, retainOnDelete: spec.platform.retainOnDelete };
  const labels = Object.entries(spec.tags).map(([label, value]) => ({ label, value }));
  const volumes = volumeNames(spec);
  const containers = containerNames(spec);

  const network = new docker.Network(
    `${name}-network`,
    { name: spec.pipelineName, driver: 'bridge', labels },
    opts,
  );
  const volume = (role: keyof typeof volumes) =>
    new docker.Volume(`${name}-${role}`, { name: volumes[role], labels }, keep);
  const dataVolume = volume('data');
  const artifactVolume = volume('artifacts');
  const modelVolume = volume('models');
  const registryVolume = volume('registry');

  const image = (role: string, ref: pulumi.Input<string>) =>
    new docker.RemoteImage(`${name}-${role}-image`, { name: ref, keepLocally: true }, opts);

  const registry = new docker.Container(
    `${name}-registry`,
    {
      name: containers.registry,
      image: image('registry', REGISTRY_IMAGE).imageId,
      ports: [{ internal: REGISTRY_PORT, external: spec.docker.registryPort, ip: '127.0.0.1' }],
      volumes: [{ volumeName: registryVolume.name, containerPath: '/var/lib/registry' }],
      envs: ['REGISTRY_STORAGE_DELETE_ENABLED=false'],
      restart: 'unless-stopped',
      securityOpts: ['no-new-privileges:true'],
      labels,
    },
    replaceInPlace,
  );

  // The step images are pulled at deploy time, so a run never waits on (or fails at) a pull. Images in the
  // pipeline's own registry are the exception: it starts empty, so they are pulled when a step runs.
  const stepImage = (role: string, ref: pulumi.Input<string>): pulumi.Output<string> =>
    typeof ref === 'string' && isLocalRegistryImage(ref, spec.docker.registryPort)
      ? pulumi.output(ref)
      : image(role, ref).name;
  const built = spec.training.build && buildTrainingImage(spec, registry, parent);
  const images = pipelineImages(spec, built);
  // A built image lives in the local registry: the engine already has it, nothing to pull.
  const trainingImage = built ?? stepImage('training', images.training);
  const evaluationImage =
    spec.evaluation.image === undefined && built ? built : stepImage('evaluation', images.evaluation);
  const gateImage = image('gate', GATE_IMAGE);
  const runner = new docker.Container(
    `${name}-runner`,
    {
      name: containers.runner,
      image: image('runner', RUNNER_IMAGE).imageId,
      command: ['sh', RUNNER_PATHS.script],
      uploads: [
        {
          file: RUNNER_PATHS.script,
          executable: true,
          content: pulumi
            .all([trainingImage, evaluationImage, network.name])
            .apply(([training, evaluation, net]) => runnerScript(spec, { training, evaluation }, net)),
        },
      ],
      volumes: [
        { hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET },
        { volumeName: dataVolume.name, containerPath: RUNNER_PATHS.data },
        { volumeName: artifactVolume.name, containerPath: RUNNER_PATHS.artifacts },
        { volumeName: modelVolume.name, containerPath: RUNNER_PATHS.models },
      ],
      networksAdvanced: [{ name: network.name }],
      // One shot, created but not started: at creation the data volume is still empty, so a run would fail
      // and look like a broken deploy. It runs on every schedule or `docker start`. `mustRun: false` keeps
      // `pulumi up` from seeing the stopped runner as drift and starting it.
      start: false,
      mustRun: false,
      restart: 'no',
      labels,
    },
    { ...replaceInPlace, dependsOn: [gateImage, registry] },
  );

  let scheduler: docker.Container | undefined;
  if (spec.docker.schedule) {
    scheduler = new docker.Container(
      `${name}-scheduler`,
      {
        name: containers.scheduler,
        image: image('scheduler', SCHEDULER_IMAGE).imageId,
        command: ofeliaCommand(containers.scheduler),
        // No `readOnly`: a read-only bind of a UNIX socket still allows connect() and the whole Engine API,
        // so the flag would suggest a restriction that does not exist. Ofelia holds the engine, like the runner.
        volumes: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET }],
        // Ofelia reads its jobs from its own labels, at start: a new schedule replaces the container.
        labels: [
          ...labels,
          ...Object.entries(schedulerLabels(spec)).map(([label, value]) => ({ label, value })),
        ],
        restart: 'unless-stopped',
        securityOpts: ['no-new-privileges:true'],
      },
      { ...replaceInPlace, dependsOn: [runner] },
    );
  }

  const uri = (volumeName: pulumi.Output<string>, path = '') =>
    volumeName.apply((v) => `docker-volume://${v}/${path}`);
  return {
    dataBucketName: dataVolume.name,
    dataBucketUri: uri(dataVolume.name, spec.data.prefix),
    artifactBucketName: artifactVolume.name,
    artifactBucketUri: uri(artifactVolume.name),
    containerRegistryUrl: pulumi.output(`localhost:${spec.docker.registryPort}`),
    modelRegistry: uri(modelVolume.name, `${spec.registry.modelGroupName}/`),
    pipelineName: pulumi.output(spec.pipelineName),
    pipelineId: runner.id,
    retrainTrigger: runner.name,
    // Each run's drift baseline is runs/<run id>/baseline/, beside its model; a registered model carries a
    // copy in <group>/<run id>/baseline/ of the models volume.
    baselineUri: uri(artifactVolume.name, 'runs/'),
    children: { network, dataVolume, artifactVolume, modelVolume, registry, runner, scheduler },
  };
}

/** Builds the training image and pushes it to the local registry (which must be up first); returns its digest. */
function buildTrainingImage(spec: ResolvedMlPipeline, registry: docker.Container, parent: pulumi.Resource) {
  const server = `localhost:${spec.docker.registryPort}`;
  return buildAndPush(
    `${spec.constructName}-training-build`,
    spec.training.build!,
    { repository: `${server}/${spec.repositoryName}/training`, server },
    { parent, dependsOn: [registry] },
  );
}
