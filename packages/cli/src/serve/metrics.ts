import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The Prometheus metrics of one server (its own registry, so two servers in a process don't mix). */
export interface ServeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"method" | "route" | "status">;
  readonly duration: Histogram<"method" | "route">;
}

/**
 * Creates the registry: request counts and latency histograms per route, and gauges read at
 * scrape time (running and queued requests, index size and reload generation). Node's default
 * process metrics (RSS, heap, event-loop lag) come along.
 */
export function createMetrics(read: {
  running: () => number;
  queued: () => number;
  indexSize: () => number;
  generation: () => number;
}): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "clipkit_serve_" });
  const requests = new Counter({
    name: "clipkit_serve_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "clipkit_serve_request_duration_seconds",
    help: "HTTP request latency in seconds",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  gauge("clipkit_serve_requests_running", "requests running model inference or search now", read.running);
  gauge("clipkit_serve_queue_depth", "requests waiting for a slot", read.queued);
  gauge("clipkit_serve_index_items", "items in the served index", read.indexSize);
  gauge("clipkit_serve_index_generation", "index loads so far (1 + successful hot reloads)", read.generation);
  return { registry, requests, duration };
}
