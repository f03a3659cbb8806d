#!/usr/bin/env node
// Makes sure a Docker engine answers before the demo or the tests need one.
// On a Linux machine where we are root and no engine runs, it installs Debian's docker.io (if
// dockerd is missing) and starts dockerd in the background. Anywhere else it says how to start Docker.
// With --images it also builds sagesim's local images (skipped when they are up to date).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const socketPath = process.env.DOCKER_HOST?.startsWith('unix://')
  ? process.env.DOCKER_HOST.slice('unix://'.length)
  : '/var/run/docker.sock';
const wantImages = process.argv.includes('--images');

function ping() {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function explainAndExit(reason) {
  console.error(`sagesim needs a running Docker engine: ${reason}`);
  console.error('Start Docker, then run the command again:');
  console.error('  - Docker Desktop (macOS, Windows): open Docker Desktop and wait until it says "running".');
  console.error('  - Linux with systemd: sudo systemctl start docker');
  console.error('  - Linux without systemd: sudo dockerd > /tmp/dockerd.log 2>&1 &');
  console.error(`sagesim talks to ${socketPath} (set DOCKER_HOST=unix:///path/to/docker.sock to change it).`);
  process.exit(1);
}

async function waitForEngine(seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await ping()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function ensureEngine() {
  if (await ping()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform !== 'linux' || !isRoot) explainAndExit(`nothing answers on ${socketPath}.`);
  if (!has('dockerd')) {
    if (!has('apt-get')) explainAndExit('dockerd is not installed and apt-get is not available to install it.');
    console.error('sagesim: installing the Docker engine (Debian package docker.io)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', 'docker.io'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (!install || install.status !== 0) explainAndExit('installing docker.io with apt-get failed (see above).');
  }
  console.error('sagesim: starting dockerd in the background (log: /tmp/sagesim-dockerd.log)...');
  const log = openSync('/tmp/sagesim-dockerd.log', 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  if (!(await waitForEngine(60))) explainAndExit('dockerd was started but did not answer within 60 s (see /tmp/sagesim-dockerd.log).');
  console.error('sagesim: Docker engine is up.');
}

function ensureDebootstrap() {
  // The offline image build makes its base root filesystem with debootstrap when it can.
  if (has('debootstrap') || process.platform !== 'linux' || !has('apt-get')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return;
  console.error('sagesim: installing debootstrap (to build the local images offline)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['install', '-y', 'debootstrap'], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

await ensureEngine();
if (wantImages) {
  ensureDebootstrap();
  // The build is sagesim's own (`sagesim images build`, through the engine's API): it needs dist/.
  const cli = fileURLToPath(new URL('../bin/sagesim.js', import.meta.url));
  if (!existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) {
    console.error('sagesim: cannot build the images: sagesim is not built yet; run `npm run build` (npm ci does it), then try again');
    process.exit(1);
  }
  const result = spawnSync(process.execPath, [cli, 'images', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
