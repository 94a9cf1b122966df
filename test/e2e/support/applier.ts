/**
 * A test-only stand-in for `pulumi up` with the docker provider: it creates, on a real Docker engine through
 * the docker CLI, what the `docker:*` resources of a recorded program describe. Its scope is the inputs:
 * networks, volumes, images (local or pulled, and builds pushed to a registry), containers with their
 * command, env, ports, mounts, health check, `wait`, user, restart policy and uploaded files. A later
 * recording is applied the way Pulumi replaces resources: every changed resource is replaced (docker
 * containers are immutable), by creating the new one before deleting the old unless `deleteBeforeReplace`
 * is set, and removed resources are deleted after every create has succeeded. It is not the Pulumi docker
 * provider: provider behaviour beyond the inputs (refresh, drift, its own validation and timing) is untested.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RecordedResource } from '../../../lib/testing';

type Json = Record<string, any>;

/** Label on everything the applier creates, so a run cleans up what an earlier one left. */
export const E2E_LABEL = 'mlops.e2e';

export function docker(args: string[], options: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync('docker', args, {
      encoding: 'utf8',
      input: options.input,
      timeout: options.timeoutMs ?? 600_000,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `docker ${args.slice(0, 3).join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`,
    );
  }
}

interface Applied {
  readonly resource: RecordedResource;
  /** Docker's id or name of what was created. */
  readonly handle: string;
  readonly kind: 'network' | 'volume' | 'image' | 'container' | 'skipped';
}

export interface ApplyOptions {
  /** Resources (by name) the applier does not create, with the reason. */
  readonly skip?: Record<string, string>;
  /** Resource names whose replacement deletes the old one first (Pulumi's `deleteBeforeReplace`). */
  readonly deleteFirst?: ReadonlySet<string>;
  /** Caps `waitTimeout` (seconds) so a test need not wait the provider's full time for a failing container. */
  readonly maxWaitSeconds?: number;
  readonly log?: (line: string) => void;
}

export class DockerApplier {
  /** What is applied now, by URN. */
  readonly state = new Map<string, Applied>();
  /** Values the mocks made up (image ids, digests) mapped to what the engine really has. */
  private readonly real = new Map<string, string>();

  constructor(private readonly options: ApplyOptions = {}) {}

  private log(line: string) {
    this.options.log?.(line);
  }

  /** Applies a recording: creates what is new or changed, then deletes what was replaced or removed. */
  apply(resources: readonly RecordedResource[]): void {
    const wanted = resources.filter((r) => r.custom && r.type.startsWith('docker:'));
    const byUrn = new Map(wanted.map((r) => [r.urn, r]));
    const toDelete: Applied[] = [];
    for (const r of topological(wanted)) {
      const current = this.state.get(r.urn);
      if (current && same(current.resource, r)) continue;
      if (current && this.options.deleteFirst?.has(r.name)) {
        this.log(`replace ${r.name} (delete first)`);
        this.destroy(current);
      } else if (current) {
        this.log(`replace ${r.name} (create first)`);
        toDelete.push(current);
      } else this.log(`create ${r.name}`);
      this.state.delete(r.urn);
      this.state.set(r.urn, this.create(r));
    }
    for (const [urn, applied] of this.state) if (!byUrn.has(urn)) toDelete.push(applied);
    for (const applied of toDelete.reverse()) {
      this.log(`delete ${applied.resource.name}`);
      this.destroy(applied);
      if (this.state.get(applied.resource.urn) === applied) this.state.delete(applied.resource.urn);
    }
  }

  /** Replaces one applied container the Pulumi way (create first), as `pulumi up --replace` would. */
  replace(name: string): void {
    const current = [...this.state.values()].find((a) => a.resource.name === name);
    if (!current) throw new Error(`nothing applied named ${name}`);
    this.state.set(current.resource.urn, this.create(current.resource));
    this.destroy(current);
  }

  /** The engine's name of an applied container. */
  containerName(name: string): string {
    const applied = [...this.state.values()].find((a) => a.resource.name === name && a.kind === 'container');
    if (!applied) throw new Error(`no container applied for ${name}`);
    return applied.handle;
  }

  /** Replaces made-up values anywhere in a resource's inputs with the engine's. */
  private resolve<T>(value: T): T {
    let text = JSON.stringify(value);
    for (const [fake, real] of this.real) text = text.split(fake).join(real);
    return JSON.parse(text) as T;
  }

  private create(recorded: RecordedResource): Applied {
    const r = { ...recorded, inputs: this.resolve(recorded.inputs) };
    const skipped = this.options.skip?.[r.name];
    if (skipped) {
      this.log(`skip ${r.name}: ${skipped}`);
      return { resource: recorded, handle: '', kind: 'skipped' };
    }
    const i = r.inputs as Json;
    const labels = (list: { label: string; value: string }[] = []) =>
      [...list, { label: E2E_LABEL, value: '1' }].flatMap((l) => ['--label', `${l.label}=${l.value}`]);
    switch (r.type) {
      case 'docker:index/network:Network':
        docker(['network', 'create', '--driver', i.driver ?? 'bridge', ...labels(i.labels), i.name]);
        return { resource: recorded, handle: i.name, kind: 'network' };
      case 'docker:index/volume:Volume':
        if (!docker(['volume', 'ls', '-q', '--filter', `name=^${i.name}$`]))
          docker(['volume', 'create', ...labels(i.labels), i.name]);
        return { resource: recorded, handle: i.name, kind: 'volume' };
      case 'docker:index/remoteImage:RemoteImage': {
        const ref = String(i.name);
        try {
          docker(['image', 'inspect', ref]);
        } catch {
          docker(['pull', '-q', ref]);
        }
        const fakeId = `sha256:${hash(String(recorded.inputs.name))}`;
        this.real.set(fakeId, docker(['image', 'inspect', '-f', '{{.Id}}', ref]));
        return { resource: recorded, handle: ref, kind: 'image' };
      }
      case 'docker:index/image:Image': {
        const name = String(i.imageName);
        const build = i.build as Json;
        // Builds use no network: nothing leaves the machine.
        docker(['build', '-q', '--network', 'none', '-t', name, '-f', build.dockerfile, build.context]);
        docker(['push', '-q', name]);
        const digest = docker(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', name]);
        const repository = String(recorded.inputs.imageName).replace(/:[^:/]+$/, '');
        this.real.set(`${repository}@sha256:${hash(String(recorded.inputs.imageName))}`, digest);
        return { resource: recorded, handle: name, kind: 'image' };
      }
      case 'docker:index/container:Container':
        return { resource: recorded, handle: this.createContainer(r, labels(i.labels)), kind: 'container' };
      default:
        throw new Error(`the e2e applier does not create ${r.type} (${r.name})`);
    }
  }

  private createContainer(r: RecordedResource, labelArgs: string[]): string {
    const i = r.inputs as Json;
    // Without a name the provider auto-names it: the resource name and a random suffix.
    const name = i.name ?? `${r.name}-${randomBytes(4).toString('hex').slice(0, 7)}`;
    const args = ['create', '--name', name, ...labelArgs];
    for (const e of i.envs ?? []) args.push('--env', e);
    for (const p of i.ports ?? []) args.push('-p', `${p.ip ?? '0.0.0.0'}:${p.external}:${p.internal}`);
    for (const v of i.volumes ?? []) {
      const source = v.volumeName ? `type=volume,source=${v.volumeName}` : `type=bind,source=${v.hostPath}`;
      args.push('--mount', `${source},target=${v.containerPath}${v.readOnly ? ',readonly' : ''}`);
    }
    const networks = (i.networksAdvanced ?? []) as { name: string; aliases?: string[] }[];
    if (networks[0]) {
      args.push('--network', networks[0].name);
      for (const a of networks[0].aliases ?? []) args.push('--network-alias', a);
    }
    const hc = i.healthcheck as Json | undefined;
    if (hc) {
      const [kind, ...test] = hc.tests as string[];
      // The CLI takes the shell form only: CMD arguments are joined (the stack's have no quoting needs).
      args.push('--health-cmd', kind === 'CMD-SHELL' ? test[0] : test.join(' '));
      if (hc.interval) args.push('--health-interval', hc.interval);
      if (hc.timeout) args.push('--health-timeout', hc.timeout);
      if (hc.retries) args.push('--health-retries', String(hc.retries));
      if (hc.startPeriod) args.push('--health-start-period', hc.startPeriod);
    }
    if (i.restart) args.push('--restart', i.restart);
    if (i.user) args.push('--user', i.user);
    if (i.memory) args.push('--memory', `${i.memory}m`);
    if (i.cpus) args.push('--cpus', String(i.cpus));
    for (const s of i.securityOpts ?? []) args.push('--security-opt', s);
    if (i.entrypoints) args.push('--entrypoint', i.entrypoints.join(' '));
    args.push(String(i.image), ...((i.command as string[]) ?? []));
    docker(args);
    for (const n of networks.slice(1))
      docker(['network', 'connect', ...(n.aliases ?? []).flatMap((a) => ['--alias', a]), n.name, name]);
    // The recorder may hand a list back keyed "0", "1", ... (seen with long upload lists): read it in order.
    for (const u of Object.values(i.uploads ?? {}) as Json[]) {
      // As the provider does: the file arrives in a tar stream, with its parent folders.
      const dir = mkdtempSync(path.join(tmpdir(), 'mlops-upload-'));
      const relative = String(u.file).replace(/^\/+/, '');
      mkdirSync(path.join(dir, path.dirname(relative)), { recursive: true });
      writeFileSync(path.join(dir, relative), u.content, { mode: u.executable ? 0o755 : 0o644 });
      const tar = execFileSync('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', '-', relative]);
      execFileSync('docker', ['cp', '-', `${name}:/`], { input: tar, stdio: ['pipe', 'pipe', 'pipe'] });
    }
    if (i.start === false) return name;
    docker(['start', name]);
    if (i.wait)
      this.waitHealthy(name, Math.min(i.waitTimeout ?? 60, this.options.maxWaitSeconds ?? Infinity));
    return name;
  }

  /** What the provider's `wait` does: the create fails unless the container turns healthy in time. */
  private waitHealthy(name: string, seconds: number): void {
    const deadline = Date.now() + seconds * 1000;
    let status = '';
    while (Date.now() < deadline) {
      status = docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', name]);
      if (status === 'healthy') return;
      execFileSync('sleep', ['1']);
    }
    throw new Error(
      `container ${name} did not turn healthy within ${seconds} s (last status: ${status || 'none'})`,
    );
  }

  private destroy(applied: Applied): void {
    if (applied.kind === 'container') docker(['rm', '-f', '-v', applied.handle]);
    else if (applied.kind === 'network') docker(['network', 'rm', applied.handle]);
    // Volumes and images are kept, as `retainOnDelete` and `keepLocally` ask.
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function same(a: RecordedResource, b: RecordedResource): boolean {
  return JSON.stringify(a.inputs) === JSON.stringify(b.inputs);
}

/** Resources ordered so each comes after what it depends on. */
function topological(resources: RecordedResource[]): RecordedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Set<string>();
  const out: RecordedResource[] = [];
  const visit = (r: RecordedResource) => {
    if (done.has(r.urn)) return;
    done.add(r.urn);
    for (const d of r.dependencies) {
      const dep = byUrn.get(d);
      if (dep) visit(dep);
    }
    out.push(r);
  };
  resources.forEach(visit);
  return out;
}

/**
 * Removes everything an earlier run left behind: what the applier labelled, and volumes named with one of
 * `volumePrefixes` (an interrupted run can leave a volume that a step created on first use, unlabelled).
 */
export function cleanEngine(volumePrefixes: readonly string[] = []): void {
  const ids = (args: string[]) => docker(args).split('\n').filter(Boolean);
  const containers = ids(['ps', '-aq', '--filter', `label=${E2E_LABEL}`]);
  if (containers.length) docker(['rm', '-f', '-v', ...containers]);
  // The runner's step containers are --rm; a killed run can leave them.
  const steps = ids(['ps', '-aq', '--filter', 'name=churn-training-dev-']);
  if (steps.length) docker(['rm', '-f', ...steps]);
  const networks = ids(['network', 'ls', '-q', '--filter', `label=${E2E_LABEL}`]);
  if (networks.length) docker(['network', 'rm', ...networks]);
  const volumes = [
    ...ids(['volume', 'ls', '-q', '--filter', `label=${E2E_LABEL}`]),
    ...ids(['volume', 'ls', '-q']).filter((v) => volumePrefixes.some((p) => v.startsWith(p))),
  ];
  if (volumes.length) docker(['volume', 'rm', '-f', ...new Set(volumes)]);
}
