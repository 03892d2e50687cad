import { describe, expect, it } from 'vitest';
import { Metrics } from '../../server/metrics.js';
import { METRICS } from '../../server/metricsCatalog.js';

describe('metrics', () => {
  it('renders every catalogued metric once, with the help text from the catalog', async () => {
    const text = await new Metrics().render();
    for (const [name, spec] of Object.entries(METRICS)) {
      expect(text.split('\n').filter((line) => line === `# HELP ${name} ${spec.help}`), name).toHaveLength(1);
    }
  });

  it('counts per label set and reads each back', async () => {
    const metrics = new Metrics();
    metrics.inc('tandem_updates_refused_total', 1, { reason: 'schema' });
    metrics.inc('tandem_updates_refused_total', 2, { reason: 'schema' });
    metrics.inc('tandem_updates_refused_total', 1, { reason: 'malformed' });
    expect(await metrics.value('tandem_updates_refused_total', { reason: 'schema' })).toBe(3);
    expect(await metrics.value('tandem_updates_refused_total', { reason: 'malformed' })).toBe(1);
    expect(await metrics.value('tandem_updates_refused_total', { reason: 'read_only' })).toBe(0);
    expect(await metrics.render()).toContain('tandem_updates_refused_total{reason="schema"} 3');
  });

  it('keeps each server’s registry apart (several servers share a test process)', async () => {
    const first = new Metrics();
    const second = new Metrics();
    first.inc('tandem_compactions_total');
    expect(await first.value('tandem_compactions_total')).toBe(1);
    expect(await second.value('tandem_compactions_total')).toBe(0);
  });

  it('observes histograms in seconds and reports how many observations it holds', async () => {
    const metrics = new Metrics();
    metrics.observe('tandem_storage_append_seconds', 0.003);
    metrics.observe('tandem_storage_append_seconds', 0.2);
    expect(await metrics.value('tandem_storage_append_seconds')).toBe(2);
    const text = await metrics.render();
    expect(text).toContain('# TYPE tandem_storage_append_seconds histogram');
    expect(text).toContain('tandem_storage_append_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('tandem_fanout_delay_seconds_count 0');
  });

  it('samples event-loop delay into gauges only while tracking', async () => {
    const metrics = new Metrics();
    const stop = metrics.trackEventLoopLag();
    // The monitor records from its second tick on; scrape until a sample shows up (vitest's timeout bounds the wait).
    const scrapedMaxLag = async () => {
      await metrics.render();
      return metrics.value('tandem_eventloop_lag_max_seconds');
    };
    while ((await scrapedMaxLag()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await metrics.value('tandem_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    stop();
    // Stopped: a scrape no longer overwrites the gauge.
    metrics.set('tandem_eventloop_lag_max_seconds', 0);
    expect(await scrapedMaxLag()).toBe(0);
  });
});
