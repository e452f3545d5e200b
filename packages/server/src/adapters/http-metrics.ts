import { Counter, Histogram, type Registry } from 'prom-client';
import type { HealthWindow } from '../health-window.ts';
import {
  METHOD_LABELS,
  methodIndex,
  OTHER_ROUTE,
  RouteClasses,
  STATUS_CLASS_LABELS,
  statusClassIndex,
} from './request-labels.ts';

/** The route class of requests to an observed batch handler's endpoint. */
export const BATCH_ROUTE = 'batch';

/** The prom-client children of one label set, bound once so a request does no label lookups of its own. */
interface Cell {
  readonly count: { inc(): void };
  readonly duration: { observe(seconds: number): void } | undefined;
}

/**
 * Request rate and latency of plain requests (`wirepack_http_requests_total`,
 * `wirepack_http_request_duration_seconds`), fed by the instrumenting wrapper, and their outcomes in the
 * health window.
 *
 * Hot path: the method, route class and status class become three small integers, which index an array of
 * cells made at the first request of each label set. What is left per request is prom-client's own
 * work (it hashes the label set on every `inc`/`observe`).
 */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status_class'>;
  private readonly duration: Histogram<'method' | 'route' | 'status_class'>;
  private readonly routes: RouteClasses;
  private readonly routeClass: ((request: Request, pathname: string) => string) | undefined;
  private readonly window: HealthWindow;
  private readonly cells: (Cell | undefined)[] = [];
  private readonly batchRoute: number;
  // Route indexes stay below this: `other`, `batch` and the classifier's names.
  private readonly routeStride: number;

  constructor(
    registry: Registry,
    buckets: readonly number[],
    maxRouteClasses: number,
    routeClass: ((request: Request, pathname: string) => string) | undefined,
    window: HealthWindow,
  ) {
    this.requests = new Counter({
      name: 'wirepack_http_requests_total',
      help: 'Requests answered, by method, route class and status class (batch requests are route="batch").',
      labelNames: ['method', 'route', 'status_class'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'wirepack_http_request_duration_seconds',
      help: 'Time from a request to its response head, by method, route class and status class (batch requests excluded: see wirepack_batch_call_duration_seconds).',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [...buckets],
      registers: [registry],
    });
    // The batch route is reserved up front so a classifier can never crowd it out.
    this.routes = new RouteClasses(maxRouteClasses + 1);
    this.routeStride = maxRouteClasses + 2;
    this.batchRoute = this.routes.indexOf(BATCH_ROUTE);
    this.routeClass = routeClass;
    this.window = window;
  }

  /**
   * One answered request. Requests to the batch endpoint are counted, but their latency (time to the head
   * of a frame stream) is not a latency anyone waits for: each call's is recorded by the batch metrics, and
   * a refused batch (4xx, 5xx) counts as one outcome in the health window.
   */
  record(request: Request, pathname: string, isBatch: boolean, status: number, ms: number): void {
    const route = isBatch ? this.batchRoute : this.classify(request, pathname);
    const statusIndex = statusClassIndex(status);
    const key = (methodIndex(request.method) * this.routeStride + route) * 8 + statusIndex;
    let cell = this.cells[key];
    if (cell === undefined) cell = this.cell(key, request.method, route, statusIndex, isBatch);
    cell.count.inc();
    if (isBatch) {
      if (status >= 400) this.window.outcome(status >= 500);
      return;
    }
    cell.duration?.observe(ms / 1000);
    this.window.outcome(status >= 500);
    this.window.latency(ms);
  }

  private classify(request: Request, pathname: string): number {
    if (this.routeClass === undefined) return 0;
    let name: string;
    try {
      name = this.routeClass(request, pathname);
    } catch {
      // A classifier bug must not fail the request it measures; such requests count as 'other'.
      return 0;
    }
    if (typeof name !== 'string' || name === BATCH_ROUTE) return 0;
    return this.routes.indexOf(name);
  }

  private cell(key: number, method: string, route: number, statusIndex: number, isBatch: boolean): Cell {
    const labels = [
      METHOD_LABELS[methodIndex(method)] as string,
      this.routes.names[route] ?? OTHER_ROUTE,
      STATUS_CLASS_LABELS[statusIndex] as string,
    ] as const;
    const cell: Cell = {
      count: this.requests.labels(...labels),
      duration: isBatch ? undefined : this.duration.labels(...labels),
    };
    this.cells[key] = cell;
    return cell;
  }
}
