/**
 * Precompressed siblings of the built client: `app.js` gets `app.js.br` and `app.js.gz` at build time
 * (vite.config.ts calls precompressDirectory after `vite build`), and staticFiles.ts serves the sibling a
 * client accepts. Compressing once at build time lets each file get the slowest, smallest settings (brotli
 * 11 takes seconds per bundle, which every freshly started server would otherwise pay again).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** Types worth compressing; images and fonts other than SVG are compressed already. */
export const COMPRESSIBLE_EXTENSIONS: ReadonlySet<string> = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);

/** The encodings with a sibling, best first, and the suffix each sibling's name has. */
export const SIBLING_ENCODINGS = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const;
export type SiblingEncoding = (typeof SIBLING_ENCODINGS)[number]['encoding'];

/** Below this, compression saves less than the headers it costs. */
const MIN_COMPRESS_BYTES = 1024;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

const COMPRESSORS: Record<SiblingEncoding, (data: Buffer) => Promise<Buffer>> = {
  br: (data) => brotli(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
  gzip: (data) => gzip(data, { level: zlib.constants.Z_BEST_COMPRESSION }),
};

/** Writes a `.br` and a `.gz` sibling next to every compressible file under `dir` that compression shrinks. */
export async function precompressDirectory(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && COMPRESSIBLE_EXTENSIONS.has(path.extname(entry.name))).map((entry) => path.join(entry.parentPath, entry.name));
  await Promise.all(files.map(precompressFile));
}

async function precompressFile(file: string): Promise<void> {
  const data = await fs.readFile(file);
  if (data.length < MIN_COMPRESS_BYTES) return;
  for (const { encoding, suffix } of SIBLING_ENCODINGS) {
    const compressed = await COMPRESSORS[encoding](data);
    if (compressed.length < data.length) await fs.writeFile(`${file}${suffix}`, compressed);
  }
}
