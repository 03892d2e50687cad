/**
 * `npm run bench` at its tiny size (BENCH_TINY=1) into a temp file: the report must hold every scenario and
 * every metric for both servers, and no delivery may be lost. No timing thresholds: speed is the bench's job.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const SERVER_METRICS = [
  'server CPU per delivered update',
  'edit → remote apply p50',
  'edit → remote apply p99',
  'deliveries lost',
  'server event-loop lag p99',
  'server RSS',
  'delivery p50',
  'delivery p99',
  'time to synced p50',
  'server RSS, no connections',
  'server RSS, documents open (1 connection each)',
  'server RSS, all connected',
  'memory per connection',
  'memory per document',
  'largest N with p99 < 250 ms, none lost',
  '2 authors: edit → apply p99, lost',
];

/** The table's rows as [metric, tandem, baseline] (scenario cells are blank after the first row). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| scenario'))
    .map((line) => line.split('|').slice(2, 5).map((cell) => cell.trim()));
}

test('the tiny bench reports every scenario and metric for both servers, with no delivery lost', { timeout: 240_000 }, async () => {
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'benchmarks.md');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, BENCH_TINY: '1', BENCH_WRITE: reportPath },
    timeout: 110_000,
  });
  const markdown = fs.readFileSync(reportPath, 'utf8');
  expect(fs.readFileSync(reportPath.replace(/\.md$/, '.svg'), 'utf8')).toContain('<svg');
  for (const scenario of ['many docs', 'fan-out', 'cold sync', 'cold start', 'many connections', 'authors per document', 'client (browser']) expect(markdown).toContain(`| ${scenario}`);
  const rows = new Map(tableRows(markdown).map(([metric, tandem, baseline]) => [metric, { tandem, baseline }]));
  for (const metric of SERVER_METRICS) {
    const row = rows.get(metric);
    expect(row, metric).toBeDefined();
    // A number; the memory deltas of the tiny crowd are within RSS noise and may come out negative.
    for (const value of [row?.tandem, row?.baseline]) expect(value, metric).toMatch(/^-?\d/);
  }
  expect(rows.get('deliveries lost')).toEqual({ tandem: '0', baseline: '0' });
  expect(rows.get('connections dropped')).toEqual({ tandem: '0', baseline: '0' });
  expect(rows.get('connections that saw no other presence')).toEqual({ tandem: '0', baseline: '0' });
  expect(rows.get('server-side load (tandem_room_load_seconds)')?.tandem).toMatch(/^\d/);
  expect(rows.get('first client: time to synced')?.tandem).toMatch(/^\d/);
  expect(markdown).toMatch(/Machine: .*cores.*node v/);
});
