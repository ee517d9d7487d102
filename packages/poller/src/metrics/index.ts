export { createPollerMetrics, type PollerMetrics, type PollerMetricsOptions, RETRY_ACTIONS } from './poller-metrics.js';
