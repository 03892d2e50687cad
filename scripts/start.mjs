// `npm start`: build the client and server if any source is newer than the build, then run the server.
// Signals are forwarded so SIGTERM/SIGINT reach the server's graceful shutdown.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['dist/client/index.html', 'dist/server/server/main.js'].map((file) => path.join(root, file));
const inputs = ['client', 'server', 'shared', 'package-lock.json', 'vite.config.ts', 'tsconfig.json'];

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const builtAt = Math.min(...outputs.map((file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0));
const changedAt = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (builtAt === 0 || changedAt > builtAt) {
  console.info(builtAt === 0 ? 'Tandem: building (first start)…' : 'Tandem: sources changed, rebuilding…');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, ['--enable-source-maps', path.join(root, 'dist/server/server/main.js')], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
