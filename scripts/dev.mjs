#!/usr/bin/env node
/**
 * `npm run dev`: the server (restarted on change by `tsx watch`, port 1234) and the Vite dev server
 * (port 5173, proxying /api and /collab to the server) together, with prefixed output. Ctrl-C, a
 * crash of either, or this process exiting stops both, so no orphan keeps a port busy.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const SERVER_PORT = process.env.PORT ?? '1234';
const isWindows = process.platform === 'win32';
const npx = isWindows ? 'npx.cmd' : 'npx';

const processes = [
  { name: 'server', color: 36, args: ['tsx', 'watch', '--clear-screen=false', 'server/main.ts'], env: { PORT: SERVER_PORT } },
  { name: 'vite  ', color: 35, args: ['vite', '--port', '5173', '--strictPort'], env: { PORT: SERVER_PORT } },
];

const children = [];
let stopping = false;

function prefix(name, color) {
  return process.stdout.isTTY ? `\x1b[${color}m[${name}]\x1b[0m ` : `[${name}] `;
}

function forward(stream, target, label) {
  createInterface({ input: stream }).on('line', (line) => target.write(`${label}${line}\n`));
}

function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      // Each child leads its own process group (detached), so this also stops what npx spawned.
      if (isWindows) child.kill('SIGTERM');
      else process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  // Give them a moment to shut down cleanly (the server flushes its log), then force.
  const deadline = setTimeout(() => {
    for (const child of children) {
      try {
        if (!isWindows && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(exitCode);
  }, 5_000);
  deadline.unref();
  Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))))).then(
    () => process.exit(exitCode),
  );
}

for (const spec of processes) {
  const child = spawn(npx, spec.args, {
    env: { ...process.env, ...spec.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: !isWindows,
  });
  const label = prefix(spec.name, spec.color);
  forward(child.stdout, process.stdout, label);
  forward(child.stderr, process.stderr, label);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${label}exited (${signal ?? code}); stopping the other process too`);
    stopAll(code ?? 1);
  });
  children.push(child);
}

console.info(`Tandem dev: open http://localhost:5173 (server on port ${SERVER_PORT})`);
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
process.on('exit', () => {
  // Last resort if we are exiting for another reason: never leave the children running.
  for (const child of children) {
    try {
      if (child.exitCode === null) process.kill(isWindows ? child.pid : -child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});
