/** Safety rules for local Docker graphs: nothing listens beyond this machine, nothing runs privileged. */
import { perResource, type PolicyRule } from './rule';

const LOOPBACK = ['127.0.0.1', '::1'];

export const DOCKER_RULES: readonly PolicyRule[] = [
  perResource({
    id: 'docker-loopback-ports',
    description: 'Published container ports bind to the loopback address only.',
    enforcement: 'mandatory',
    types: ['docker:index/container:Container'],
    problem: (container) => {
      const ports = (container.inputs.ports as { ip?: string; external?: number }[] | undefined) ?? [];
      const open = ports.filter((p) => !LOOPBACK.includes(p.ip ?? '0.0.0.0'));
      return open.length
        ? `publishes port ${open.map((p) => p.external ?? '?').join(', ')} beyond this machine`
        : undefined;
    },
  }),
  perResource({
    id: 'docker-unprivileged',
    description: 'No container runs privileged.',
    enforcement: 'mandatory',
    types: ['docker:index/container:Container'],
    problem: (container) => (container.inputs.privileged === true ? 'runs privileged' : undefined),
  }),
  perResource({
    id: 'docker-socket',
    description: 'Containers that mount the Docker socket control the host: keep them to trusted machines.',
    enforcement: 'advisory',
    types: ['docker:index/container:Container'],
    problem: (container) => {
      const mounts = [
        ...((container.inputs.volumes as { hostPath?: string }[] | undefined) ?? []).map((v) => v.hostPath),
        ...((container.inputs.mounts as { source?: string }[] | undefined) ?? []).map((m) => m.source),
      ];
      return mounts.includes('/var/run/docker.sock') ? 'mounts the Docker socket' : undefined;
    },
  }),
];
