/** The bench report: machine description, the markdown table and a hand-written SVG bar chart. */
import os from 'node:os';

export type Row = [scenario: string, metric: string, tandem: string, baseline: string, ratio: string];
export interface Bar {
  label: string;
  tandem: number;
  baseline: number;
  unit: string;
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}`;
}

/** "Tandem ÷ stock" when both are numbers; lower is better for every figure in the table. */
export function ratio(tandem: number, baseline: number): string {
  return Number.isFinite(tandem) && Number.isFinite(baseline) && baseline > 0 ? `${(tandem / baseline).toFixed(2)}×` : '';
}

export function markdownTable(rows: readonly Row[]): string {
  const head = '| scenario | metric | Tandem (durable, SQLite) | @y/websocket-server 0.1.1 (in-memory) | Tandem ÷ stock |\n|---|---|---:|---:|---:|';
  return [head, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One pair of horizontal bars per figure, each pair scaled to its own maximum (units differ). */
export function barChart(bars: readonly Bar[]): string {
  const width = 720;
  const rowHeight = 56;
  const labelWidth = 260;
  const barSpace = width - labelWidth - 120;
  const height = 40 + bars.length * rowHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<rect x="${labelWidth}" y="8" width="12" height="12" fill="#2b6cb0"/><text x="${labelWidth + 16}" y="18">Tandem</text>`,
    `<rect x="${labelWidth + 90}" y="8" width="12" height="12" fill="#a0aec0"/><text x="${labelWidth + 106}" y="18">stock y-websocket</text>`,
  ];
  bars.forEach((bar, i) => {
    const y = 36 + i * rowHeight;
    const max = Math.max(bar.tandem, bar.baseline) || 1;
    parts.push(`<text x="0" y="${y + 20}">${escapeXml(bar.label)}</text>`);
    [
      [bar.tandem, '#2b6cb0', 0],
      [bar.baseline, '#a0aec0', 22],
    ].forEach(([value, colour, offset]) => {
      const v = Number(value);
      const w = Number.isFinite(v) ? (v / max) * barSpace : 0;
      parts.push(`<rect x="${labelWidth}" y="${y + Number(offset)}" width="${w.toFixed(1)}" height="18" fill="${colour}"/>`);
      parts.push(`<text x="${labelWidth + w + 6}" y="${y + Number(offset) + 13}">${Number.isFinite(v) ? `${v.toPrecision(3)} ${escapeXml(bar.unit)}` : 'n/a'}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
