/** Picks the storage backend from the configuration. */
import { openSqliteStore } from './sqlite.js';
import type { DocumentStore } from './types.js';

/** Where the documents live: PostgreSQL when a URL is set, else SQLite files in `dataDir`. */
export interface StoreLocation {
  dataDir: string;
  databaseUrl: string | null;
}

export async function openStore(config: StoreLocation): Promise<DocumentStore> {
  if (config.databaseUrl !== null) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(config.databaseUrl);
  }
  return openSqliteStore(config.dataDir);
}
