/** Picks the storage backend from the configuration. */
import { openPostgresStore, openSqliteStore } from './sqlDocumentStore.js';
import type { DocumentStore } from './types.js';

/** Where the documents live: PostgreSQL when a URL is set, else SQLite files in `dataDir`. */
export interface StoreLocation {
  dataDir: string;
  databaseUrl: string | null;
}

export async function openStore(config: StoreLocation): Promise<DocumentStore> {
  return config.databaseUrl !== null ? openPostgresStore(config.databaseUrl) : openSqliteStore(config.dataDir);
}
