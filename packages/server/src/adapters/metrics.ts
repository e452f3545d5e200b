// @wirepack/server/metrics: Prometheus metrics (prom-client, a registry per server), a health endpoint
// judging the four targets over a sliding window, and hooks for the cache, admission and compression layers.
// Alerting rules for the same targets: prometheus/alerts.yml in this package.

// --- Health ---------------------------------------------------------------------------------
export {
  DEFAULT_HEALTH_THRESHOLDS,
  type HealthReport,
  type HealthThresholds,
  type ResourceSample,
  type TargetReport,
} from '../health.ts';
// --- Prometheus -----------------------------------------------------------------------------
export {
  createServerMetrics,
  DEFAULT_LATENCY_BUCKETS,
  DEFAULT_SERVER_METRICS_OPTIONS,
  type HealthOptions,
  type InstrumentOptions,
  type ServerMetrics,
  type ServerMetricsOptions,
} from './prometheus.ts';
// --- Resources ------------------------------------------------------------------------------
export { createResourceSampler, type ResourceLimits, readResourceLimits } from './resource-sampler.ts';
