/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time, as a share of the busy
 * (non-idle) samples. Also runnable on its own: node --import tsx bench/profile/cpuProfile.ts FILE [N]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const NOT_BUSY = new Set(['(idle)', '(program)', '(garbage collector)']);

export function topSelfTime(file: string, count: number): Array<{ function: string; where: string; 'self %': string; 'self ms': string }> {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  let busy = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(garbage collector)') {
      gc += delta;
      busy += delta;
      return;
    }
    if (NOT_BUSY.has(name)) return;
    busy += delta;
    const where = node.callFrame.url ? `${shorten(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : '';
    const key = `${name}\t${where}`;
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  });
  const rows = [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => {
      const [fn, where] = key.split('\t') as [string, string];
      return { function: fn, where, 'self %': ((100 * micros) / busy).toFixed(1), 'self ms': (micros / 1000).toFixed(0) };
    });
  rows.unshift({ function: '(busy total, incl. GC)', where: '', 'self %': '100', 'self ms': (busy / 1000).toFixed(0) });
  rows.splice(1, 0, { function: '(garbage collector)', where: '', 'self %': ((100 * gc) / busy).toFixed(1), 'self ms': (gc / 1000).toFixed(0) });
  return rows;
}

function shorten(url: string): string {
  const marker = url.lastIndexOf('node_modules/');
  if (marker >= 0) return url.slice(marker + 'node_modules/'.length);
  return path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [file, count] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuProfile.ts FILE [N]');
  console.table(topSelfTime(file, Number(count ?? 30)));
}
