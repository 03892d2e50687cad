/** `npm start` entry: configuration from the environment, graceful shutdown on SIGTERM/SIGINT. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTandemServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, errorFields } from './log.js';

// Run from source (server/main.ts) or built (dist/server/server/main.js): find the repo's dist/client.
const here = path.dirname(fileURLToPath(import.meta.url));
const clientCandidates = [path.resolve(here, '../dist/client'), path.resolve(here, '../../../dist/client')];
const builtClient = clientCandidates.find((dir) => fs.existsSync(dir)) ?? clientCandidates[0] ?? null;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { staticDir: builtClient ?? null });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Tandem: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const server = await createTandemServer(config, { logger });
  // Someone who ran `npm start` in a terminal is told where to go; logs piped to a collector stay JSON only.
  if (process.stdout.isTTY) process.stdout.write(`\nTandem is running: open ${server.url.replace('127.0.0.1', 'localhost')} in your browser (Ctrl+C stops it).\n\n`);
  let signals = 0;
  const stop = (signal: string): void => {
    signals++;
    if (signals > 1) process.exit(1);
    logger.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Tandem failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
