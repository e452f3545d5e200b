// Low-cardinality labels for plain requests: a method from a closed list, a status class, and a route
// class from a bounded set. A raw path never becomes a label: every distinct label set is a time series
// kept forever by Prometheus, and a client picks the path (https://prometheus.io/docs/practices/naming/#labels).

/** The methods kept as labels; any other (WebDAV, made-up ones) counts as `OTHER`. */
export const METHOD_LABELS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'OTHER',
]);

/** Status classes by `Math.floor(status / 100)`; index 0 is for statuses outside 100-599. */
export const STATUS_CLASS_LABELS: readonly string[] = Object.freeze([
  'other',
  '1xx',
  '2xx',
  '3xx',
  '4xx',
  '5xx',
]);

/** The index of a method in {@link METHOD_LABELS}. */
export function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'PATCH':
      return 4;
    case 'DELETE':
      return 5;
    case 'OPTIONS':
      return 6;
    default:
      return 7;
  }
}

/** The index of a status's class in {@link STATUS_CLASS_LABELS}. */
export function statusClassIndex(status: number): number {
  const index = Math.floor(status / 100);
  return index >= 1 && index <= 5 ? index : 0;
}

/** The route class given to every request a classifier cannot or may not name. */
export const OTHER_ROUTE = 'other';

// A label value a person can read in a dashboard; anything else is folded into `other`.
const ROUTE_CLASS = /^[A-Za-z0-9_.:/-]{1,64}$/;

/**
 * Maps route class names to small indexes, up to a fixed number of distinct names; names past it, and names
 * that are not short printable tokens, share {@link OTHER_ROUTE}. Index 0 is always `other`.
 */
export class RouteClasses {
  readonly names: string[] = [OTHER_ROUTE];
  private readonly indexes = new Map<string, number>([[OTHER_ROUTE, 0]]);
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** The index of `name`, adding it while there is room. */
  indexOf(name: string): number {
    const known = this.indexes.get(name);
    if (known !== undefined) return known;
    if (this.names.length >= this.max + 1 || !ROUTE_CLASS.test(name)) return 0;
    const index = this.names.length;
    this.names.push(name);
    this.indexes.set(name, index);
    return index;
  }
}
