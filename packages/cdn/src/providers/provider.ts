// The seam between the provider-neutral planner and a CDN. The planner only needs a profile (how the CDN
// addresses a URL path, what it can batch and what it costs); submitting is the provider's business. A
// Cloudflare or Fastly provider is a new profile + submit/wait, without touching the planner.

/** What a CDN's invalidation API can do; the planner shapes its plan to these numbers. */
export interface ProviderCapabilities {
  /** Exact paths one request may carry. */
  readonly maxPathsPerRequest: number;
  /** Prefix (wildcard) entries one request may carry; 0 when prefixes are unsupported. */
  readonly maxPrefixesPerRequest: number;
  /** Exact paths that may be in progress at once per distribution; `undefined` when unbounded. */
  readonly maxPathsInFlight: number | undefined;
  /** Prefix entries that may be in progress at once per distribution; `undefined` when unbounded. */
  readonly maxPrefixesInFlight: number | undefined;
  /** Whether a path can be invalidated by prefix (CloudFront: a trailing `*`). */
  readonly supportsPrefix: boolean;
  /** Whether cache tags / surrogate keys can be purged (not used by the planner yet). */
  readonly supportsTags: boolean;
  /** True when an invalidation completes after the request returns and can be polled. */
  readonly asynchronous: boolean;
  /** Longest path the API accepts, in characters. */
  readonly maxPathLength: number;
  /** Price of a path, when paths are billed. */
  readonly pricing: { readonly freePathsPerMonth: number; readonly usdPerPath: number } | undefined;
}

/** How a provider can address one stale object: by its exact cache key, or only through a prefix. */
export interface PlanTarget {
  /** `exact` addresses one object; `prefix` every object whose cache key starts with `key`. */
  readonly kind: 'exact' | 'prefix';
  /** A cache key (for `exact`) or a cache-key prefix (for `prefix`), in the provider's encoding. */
  readonly key: string;
}

/** The pure half of a provider: everything the planner needs, no I/O. */
export interface ProviderProfile {
  /** Short name shown in reports (`cloudfront`). */
  readonly name: string;
  /** Limits and features. */
  readonly capabilities: ProviderCapabilities;
  /**
   * The cache key under which the CDN stores the object a browser gets for a decoded URL path
   * (CloudFront: the path percent-encoded the way its invalidation API expects).
   */
  cacheKey(urlPath: string): string;
  /** How one cache key can be invalidated (CloudFront cannot address a `~`, so it gets a prefix). */
  target(cacheKey: string): PlanTarget;
  /** The string submitted for a target (CloudFront: `key` or `key*`). */
  render(target: PlanTarget): string;
  /**
   * The idempotency token of one batch, the same for every retry within one run, or `undefined` when the
   * API has none.
   */
  idempotencyKey(input: IdempotencyInput): string | undefined;
}

/** What an idempotency token identifies: one batch of one run of one manifest transition. */
export interface IdempotencyInput {
  /** Digest of the manifest deployed before (the empty manifest's on a first deploy). */
  readonly previousDigest: string;
  /** Digest of the manifest being deployed. */
  readonly nextDigest: string;
  /** Distribution (or zone/service) id. */
  readonly distributionId: string;
  /** Position of the batch, from 0. */
  readonly batchIndex: number;
  /** The batch's rendered paths. */
  readonly paths: readonly string[];
  /** The run: a retry shares it, any other deploy has its own. */
  readonly runId: string;
}

/** A progress note for humans (the CLI prints them to stderr); never contains credentials. */
export interface CdnEvent {
  /** What happened. */
  readonly type: 'retry' | 'waiting-for-room' | 'reference-conflict' | 'submitted' | 'polling';
  /** The distribution concerned. */
  readonly distributionId: string;
  /** One line for humans. */
  readonly message: string;
}

/** One batch to submit. */
export interface SubmitRequest {
  /** Distribution (or zone/service) id. */
  readonly distributionId: string;
  /** Rendered paths, as the API takes them. */
  readonly paths: readonly string[];
  /** Idempotency token from {@link ProviderProfile.idempotencyKey}; reused only to retry this batch. */
  readonly callerReference: string | undefined;
}

/** What the CDN answered for one batch. */
export interface SubmitResult {
  /** Invalidation id assigned by the CDN. */
  readonly id: string;
  /** Status right after submission (`InProgress`, `Completed`). */
  readonly status: string;
  /** The token actually used (differs from the request's after a reference conflict). */
  readonly callerReference: string | undefined;
}

/** Context passed to provider calls. */
export interface ProviderCallContext {
  /** Receives progress notes. */
  readonly onEvent?: ((event: CdnEvent) => void) | undefined;
}

/** A provider that can submit: a {@link ProviderProfile} plus I/O. */
export interface InvalidationProvider extends ProviderProfile {
  /** Submits one batch, retrying transient failures and waiting for in-flight room within its bounds. */
  submit(request: SubmitRequest, context?: ProviderCallContext): Promise<SubmitResult>;
  /**
   * Polls until every id is complete or `timeoutMs` passes; resolves to each id's last status. Absent
   * for synchronous providers.
   */
  waitForCompletion?(
    distributionId: string,
    ids: readonly string[],
    options: { readonly timeoutMs: number } & ProviderCallContext,
  ): Promise<ReadonlyMap<string, string>>;
  /** Releases sockets. */
  close?(): void;
}
