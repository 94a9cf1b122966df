/**
 * The policy pack folder, loaded the way `pulumi preview --policy-pack policy-pack` loads it: the Node.js
 * runner `@pulumi/pulumi/cmd/run-policy-pack` resolved from the pack folder and started there, which serves
 * the pack over the analyzer protocol; this test plays the engine and sends it a recorded graph.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as grpcTypes from '@grpc/grpc-js';
import * as kms from '@pulumi/aws/kms';
import * as s3 from '@pulumi/aws/s3';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import * as analyzer from '@pulumi/pulumi/proto/analyzer_pb';
import { AnalyzerClient } from '@pulumi/pulumi/proto/analyzer_grpc_pb';
import { parse } from 'yaml';
import { ALL_RULES, evaluatePolicies } from '../../lib/policy';
import { recordProgram, type RecordedResource } from '../../lib/testing';

const ROOT = path.resolve(__dirname, '..', '..');
const PACK = path.join(ROOT, 'policy-pack');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc = require(
  require.resolve('@grpc/grpc-js', { paths: [path.dirname(require.resolve('@pulumi/pulumi/package.json'))] }),
) as typeof grpcTypes;

let runner: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
  // What the CLI's Node.js policy host runs, from the pack folder: `<runner> <engine address> .`
  const script = require.resolve('@pulumi/pulumi/cmd/run-policy-pack', { paths: [PACK] });
  runner = spawn(process.execPath, [script, '127.0.0.1:1', '.'], {
    cwd: PACK,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  runner.stderr!.on('data', (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    runner.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    runner.once('exit', (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60000);

afterAll(() => {
  client?.close();
  runner?.kill();
});

const call = <Req, Res>(
  method: (req: Req, cb: (err: grpcTypes.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
) =>
  new Promise<Res>((resolve, reject) =>
    method.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
  );

/** A recorded resource as the engine sends it to an analyzer. */
function toAnalyzerResource(r: RecordedResource): analyzer.AnalyzerResource {
  const resource = new analyzer.AnalyzerResource();
  resource.setType(r.type);
  resource.setName(r.name);
  resource.setUrn(r.urn);
  resource.setParent(r.parent ?? '');
  resource.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))));
  resource.setDependenciesList(r.dependencies);
  const options = new analyzer.AnalyzerResourceOptions();
  options.setParent(r.parent ?? '');
  resource.setOptions(options);
  for (const [key, urns] of Object.entries(r.propertyDependencies)) {
    const deps = new analyzer.AnalyzerPropertyDependencies();
    deps.setUrnsList(urns);
    resource.getPropertydependenciesMap().set(key, deps);
  }
  return resource;
}

describe('the policy-pack folder', () => {
  test('is what the Pulumi CLI expects: PulumiPolicy.yaml for nodejs, a package.json with a version and its dependencies', () => {
    const policy = parse(readFileSync(path.join(PACK, 'PulumiPolicy.yaml'), 'utf8'));
    expect(policy.runtime).toBe('nodejs');
    const pkg = JSON.parse(readFileSync(path.join(PACK, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.version).toBe(root.version);
    expect(pkg.dependencies).toEqual({
      '@pulumi/policy': root.dependencies['@pulumi/policy'],
      '@pulumi/pulumi': root.dependencies['@pulumi/pulumi'],
      'mlops-constructs': root.version,
    });
    expect(root.files).toContain('policy-pack');
  });

  test('serves every stack rule of the library, named and enforced as the rules are', async () => {
    const info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
    expect(info.getName()).toBe('mlops-constructs');
    expect(info.getVersion()).toBe(JSON.parse(readFileSync(path.join(PACK, 'package.json'), 'utf8')).version);
    const served = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
    const expected = ALL_RULES.filter((r) => !r.recordedOnly).map((r) => [
      r.id,
      r.enforcement === 'mandatory'
        ? analyzer.EnforcementLevel.MANDATORY
        : analyzer.EnforcementLevel.ADVISORY,
    ]);
    expect(served).toEqual(expected);
  });

  test('its policies report, over a recorded graph, exactly what the rules find', async () => {
    const rec = await recordProgram(() => {
      new kms.Key('plain', { enableKeyRotation: false });
      new s3.Bucket('raw', {});
    });
    const request = new analyzer.AnalyzeStackRequest();
    request.setResourcesList(rec.resources.map(toAnalyzerResource));
    const response = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(
      client.analyzeStack,
      request,
    );
    const reported = response
      .getDiagnosticsList()
      .map((d) => [d.getPolicyname(), d.getUrn(), d.getMessage().split('\n').slice(1).join('\n')])
      .sort();
    const stackRules = ALL_RULES.filter((r) => !r.recordedOnly);
    const expected = evaluatePolicies(rec.resources, stackRules)
      .map((v) => [v.rule, v.urn, v.message])
      .sort();
    expect(reported).toEqual(expected);
    expect(reported).toContainEqual([
      'aws-kms-rotation',
      'urn:pulumi:test::mlops::aws:kms/key:Key::plain',
      'does not rotate its key material',
    ]);
  });
});
