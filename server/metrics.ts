/**
 * The server's Prometheus metrics, on prom-client. Each server owns its own Registry (tests run several
 * servers in one process, and the global default registry would make them collide). What each metric is
 * lives in metricsCatalog.ts; call sites only name it.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type CounterName, type GaugeName, type HistogramName, METRICS, type MetricName, type MetricSpec } from './metricsCatalog.js';

type Labels = Record<string, string>;
type AnyMetric = Counter | Gauge | Histogram;

/** How often the event-loop monitor samples, in ms: fine enough to see a stall that users would feel. */
const EVENT_LOOP_RESOLUTION_MS = 20;
const NS_PER_S = 1e9;

export class Metrics {
  private readonly registry = new Registry();
  private readonly byName = new Map<string, AnyMetric>();
  private eventLoop: IntervalHistogram | null = null;

  constructor() {
    for (const [name, spec] of Object.entries(METRICS) as [MetricName, MetricSpec][]) this.register(name, spec);
  }

  inc(name: CounterName, by = 1, labels: Labels = {}): void {
    (this.metric(name) as Counter).inc(labels, by);
  }

  set(name: GaugeName, value: number, labels: Labels = {}): void {
    (this.metric(name) as Gauge).set(labels, value);
  }

  observe(name: HistogramName, seconds: number, labels: Labels = {}): void {
    (this.metric(name) as Histogram).observe(labels, seconds);
  }

  /** A counter's or gauge's current value, or a histogram's observation count, for these exact labels (for tests). */
  async value(name: MetricName, labels: Labels = {}): Promise<number> {
    const metric = this.byName.get(name);
    if (!metric) return 0;
    const { values } = (await metric.get()) as { values: { labels: Labels; value: number; metricName?: string }[] };
    // A histogram's samples are its buckets, sum and count; only the count answers "how many".
    const wanted = (sampleName: string) => !(metric instanceof Histogram) || sampleName === `${name}_count`;
    const sample = values.find((entry) => wanted(entry.metricName ?? name) && sameLabels(entry.labels, labels));
    return sample?.value ?? 0;
  }

  /** Samples event-loop delay into the tandem_eventloop_lag_* gauges until the returned function is called. */
  trackEventLoopLag(): () => void {
    const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    histogram.enable();
    this.eventLoop = histogram;
    return () => {
      histogram.disable();
      if (this.eventLoop === histogram) this.eventLoop = null;
    };
  }

  readonly contentType = this.registry.contentType;

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    this.sampleEventLoop();
    return this.registry.metrics();
  }

  private sampleEventLoop(): void {
    const histogram = this.eventLoop;
    if (!histogram || histogram.count === 0) return;
    this.set('tandem_eventloop_lag_p50_seconds', histogram.percentile(50) / NS_PER_S);
    this.set('tandem_eventloop_lag_p99_seconds', histogram.percentile(99) / NS_PER_S);
    this.set('tandem_eventloop_lag_max_seconds', histogram.max / NS_PER_S);
    // Each scrape reports the interval since the previous one, so a stall shows once instead of forever.
    histogram.reset();
  }

  /** Every catalogued metric is registered in the constructor. */
  private metric(name: MetricName): AnyMetric {
    const metric = this.byName.get(name);
    if (!metric) throw new Error(`metric ${name} is not registered`);
    return metric;
  }

  private register(name: string, spec: MetricSpec): AnyMetric {
    const config = { name, help: spec.help, labelNames: [...(spec.labels ?? [])], registers: [this.registry] };
    const metric = spec.type === 'counter' ? new Counter(config) : spec.type === 'gauge' ? new Gauge(config) : new Histogram({ ...config, buckets: [...spec.buckets] });
    this.byName.set(name, metric);
    return metric;
  }
}

function sameLabels(actual: Labels, wanted: Labels): boolean {
  const keys = Object.keys(actual).filter((key) => key !== 'le');
  return keys.length === Object.keys(wanted).length && keys.every((key) => actual[key] === wanted[key]);
}
