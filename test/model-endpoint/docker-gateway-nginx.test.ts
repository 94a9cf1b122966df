/**
 * The docker gateway's nginx config on a real nginx (Debian's): it loads, keeps the serving containers'
 * /metrics off the public port, and serves `stub_status` (what the exporter reads) on the status port.
 * The listen ports are moved to free ones; nothing else is changed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GATEWAY_STATUS_PORT, gatewayConfig } from '../../lib/model-endpoint/docker-facts';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { requireTool } from '../support/tools';
import { DOCKER_DEV, endpointArgs } from '../helpers';

const NGINX_HINT = "Install Debian's nginx: `apt-get install nginx`.";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('the gateway config on a real nginx', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-gateway-'));
  let nginx: ChildProcess;
  let publicPort: number;
  let statusPort: number;

  beforeAll(async () => {
    const binary = requireTool('nginx', NGINX_HINT);
    const args = endpointArgs(DOCKER_DEV, { image: 'localhost:5000/churn:v3', capturePercent: 5 });
    [publicPort, statusPort] = [await freePort(), await freePort()];
    const config = path.join(dir, 'nginx.conf');
    writeFileSync(
      config,
      [
        `pid ${dir}/nginx.pid;`,
        gatewayConfig(resolveModelEndpoint('churn', args, args.platform))
          .replace('    listen 8080;', `    listen 127.0.0.1:${publicPort};`)
          .replace(`    listen ${GATEWAY_STATUS_PORT};`, `    listen 127.0.0.1:${statusPort};`),
      ].join('\n'),
    );
    const errorLog = path.join(dir, 'error.log');
    const tested = spawnSync(binary, ['-t', '-c', config, '-e', errorLog], { encoding: 'utf8' });
    expect([tested.status, tested.stderr]).toEqual([0, expect.stringContaining('test is successful')]);
    nginx = spawn(binary, ['-c', config, '-e', errorLog, '-g', 'daemon off;'], { stdio: 'ignore' });
    for (
      let i = 0;
      !(await fetch(`http://127.0.0.1:${publicPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      if (i > 100) throw new Error('nginx did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(`${dir}/nginx.pid`)).toBe(true);
  });

  afterAll(() => {
    nginx?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('public port: health check answers, /metrics is not passed to the serving containers', async () => {
    const health = await fetch(`http://127.0.0.1:${publicPort}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
    expect((await fetch(`http://127.0.0.1:${publicPort}/metrics`)).status).toBe(404);
  });

  test('status port: stub_status counts the requests handled; nothing else is served there', async () => {
    const read = async () => (await fetch(`http://127.0.0.1:${statusPort}/stub_status`)).text();
    const first = await read();
    expect(first).toMatch(
      /^Active connections: \d+ \nserver accepts handled requests\n \d+ \d+ \d+ \nReading: \d+ Writing: \d+ Waiting: \d+ \n$/,
    );
    const requests = (text: string) => Number(/\n \d+ \d+ (\d+) \n/.exec(text)![1]);
    await fetch(`http://127.0.0.1:${publicPort}/healthz`);
    // The health check and this read itself.
    expect(requests(await read())).toBe(requests(first) + 2);
    expect((await fetch(`http://127.0.0.1:${statusPort}/`)).status).toBe(404);
  });
});
