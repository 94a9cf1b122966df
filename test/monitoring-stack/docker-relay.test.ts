/**
 * The retrain relay on a real nginx (Debian's): the drift job may start the pipeline's runner through it and do
 * nothing else with the Docker Engine. A stand-in Engine listens on a UNIX socket and records what reaches it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { relayConfig } from '../../lib/monitoring-stack/docker-facts';
import { requireTool } from '../support/tools';

const RUNNER = 'churn-training-dev-runner';
const NGINX_HINT = "Install Debian's nginx: `apt-get install nginx`.";

/** One HTTP request over a UNIX socket, with the path sent exactly as given. */
function call(
  socketPath: string,
  method: string,
  requestPath: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path: requestPath }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the retrain relay (nginx) between the drift job and the Docker Engine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-relay-'));
  const engineSocket = path.join(dir, 'engine.sock');
  const relaySocket = path.join(dir, 'relay.sock');
  const reached: string[] = [];
  let engine: Server;
  let nginx: ChildProcess;

  beforeAll(async () => {
    const binary = requireTool('nginx', NGINX_HINT);
    engine = createServer((req, res) => {
      reached.push(`${req.method} ${req.url}`);
      if (req.url === `/containers/${RUNNER}/json`) res.writeHead(200).end('{"State":{"Running":false}}');
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
    const config = path.join(dir, 'nginx.conf');
    writeFileSync(
      config,
      relayConfig(RUNNER, engineSocket, relaySocket).replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`),
    );
    nginx = spawn(binary, ['-c', config, '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    for (let i = 0; !existsSync(relaySocket); i++) {
      if (i > 100) throw new Error('nginx did not open the relay socket');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(() => {
    nginx?.kill();
    engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a non-root job can connect: the socket is 0666', () => {
    expect(statSync(relaySocket).mode & 0o777).toBe(0o666);
  });

  test('passes exactly GET json and POST start of the runner; refuses everything else before the Engine', async () => {
    const asked: [string, string][] = [
      ['GET', `/containers/${RUNNER}/json`],
      ['POST', `/containers/${RUNNER}/start`],
      // Another container, the Engine's create/exec, a wrong method, path tricks: refused by the relay.
      ['POST', '/containers/churn-dev-gateway/start'],
      ['POST', '/containers/create'],
      ['POST', `/containers/${RUNNER}/exec`],
      ['GET', '/containers/json'],
      ['POST', `/containers/${RUNNER}/json`],
      ['GET', `/containers/${RUNNER}/start`],
      ['DELETE', `/containers/${RUNNER}/start`],
      ['POST', `/v1.45/containers/${RUNNER}/start`],
      ['POST', `/containers/${RUNNER}/start/../../create`],
      ['POST', `/containers/${RUNNER}/start%2F..%2F..%2Fcreate`],
      // Normalized onto the allowed path: the Engine still gets only the fixed URI.
      ['POST', `/x/../containers/${RUNNER}/start`],
    ];
    const statuses: number[] = [];
    for (const [method, p] of asked) statuses.push((await call(relaySocket, method, p)).status);
    expect(statuses).toEqual([200, 204, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 204]);
    expect(reached).toEqual([
      `GET /containers/${RUNNER}/json`,
      `POST /containers/${RUNNER}/start`,
      `POST /containers/${RUNNER}/start`,
    ]);
  });

  test("the drift job's own retrain call (templates/drift) starts the runner through it, and no other container", async () => {
    const template = path.resolve(__dirname, '..', '..', 'templates', 'drift');
    const program = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(template)})`,
      'from transport import unix_http',
      'from retrain import start_container',
      'print(json.dumps(start_container(unix_http(sys.argv[1]), sys.argv[2], 0)))',
    ].join('\n');
    const before = reached.length;
    // Run asynchronously: the stand-in Engine answers from this process.
    const python = (container: string) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile('python3', ['-c', program, relaySocket, container], (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const started = await python(RUNNER);
    expect([started.status, JSON.parse(started.stdout)]).toEqual([
      0,
      { action: 'started', reason: 'drift', target: RUNNER, execution: '' },
    ]);
    expect(reached.slice(before)).toEqual([
      `GET /containers/${RUNNER}/json`,
      `POST /containers/${RUNNER}/start`,
    ]);
    const other = await python('churn-dev-gateway');
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain('403');
    expect(reached.length).toBe(before + 2);
  });
});
