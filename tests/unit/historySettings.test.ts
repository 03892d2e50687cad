import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/configError.js';
import { DEFAULT_HISTORY_SETTINGS, historySettingsFromEnv } from '../../server/history/settings.js';

describe('history settings', () => {
  it('an empty environment gives exactly the declared defaults (each default is declared once)', () => {
    expect(historySettingsFromEnv({})).toEqual(DEFAULT_HISTORY_SETTINGS);
  });

  it('reads each variable in its unit, and 0 days keeps everything', () => {
    const settings = historySettingsFromEnv({ HISTORY_RETENTION_DAYS: '0', HISTORY_SNAPSHOT_EVERY_ROWS: '50', HISTORY_SNAPSHOT_EVERY_MINUTES: '2', HISTORY_QUIET_SECONDS: '5', HISTORY_SNAPSHOT_BYTES_RATIO: '0.5' });
    expect(settings).toEqual({ retentionMs: null, snapshotEveryRows: 50, snapshotEveryMs: 120_000, quietMs: 5_000, snapshotBytesRatio: 0.5 });
  });

  it('refuses a value that is not a number in range, naming the variable', () => {
    expect(() => historySettingsFromEnv({ HISTORY_QUIET_SECONDS: 'soon' })).toThrow(ConfigError);
    expect(() => historySettingsFromEnv({ HISTORY_SNAPSHOT_EVERY_ROWS: '0' })).toThrow(/HISTORY_SNAPSHOT_EVERY_ROWS/);
  });
});
