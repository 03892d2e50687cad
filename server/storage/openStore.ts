/** Picks the storage backend from the configuration. */
import type { ServerConfig } from '../config.js';
import { openSqliteStore } from './sqlite.js';
import type { DocumentStore } from './types.js';

export async function openStore(config: Pick<ServerConfig, 'dataDir' | 'databaseUrl'>): Promise<DocumentStore> {
  if (config.databaseUrl !== null) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(config.databaseUrl);
  }
  return openSqliteStore(config.dataDir);
}
