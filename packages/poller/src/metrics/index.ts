export { createPollerMetrics, type PollerMetrics, type PollerMetricsOptions } from './poller-metrics.js';
