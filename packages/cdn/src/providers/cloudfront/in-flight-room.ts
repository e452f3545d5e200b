// Waiting for room under CloudFront's in-flight limits (3,000 paths and 15 wildcards in progress per
// distribution: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html)
// after `TooManyInvalidationsInProgress`, a 400 the SDK never retries.
import { CdnError } from '../../errors.ts';
import type { ProviderCallContext } from '../provider.ts';
import { cloudFrontProfile } from './cloudfront-profile.ts';
import type { CloudFrontSession } from './cloudfront-session.ts';

/** Paths and wildcards of the batch waiting to be submitted. */
export interface RoomNeed {
  readonly files: number;
  readonly wildcards: number;
}

/** What a room check counted. */
export interface RoomCount {
  /** Whether the batch fits beside what is in flight. */
  readonly room: boolean;
  /** Paths in flight, counted so far (at least this many). */
  readonly files: number;
  /** Wildcards in flight, counted so far. */
  readonly wildcards: number;
  /** In-progress invalidations found. */
  readonly invalidations: number;
}

/** More in-progress invalidations than this count as no room rather than being fetched one by one. */
const MAX_COUNTED_INVALIDATIONS = 200;
/** ListInvalidations pages read at most (100 each). */
const MAX_LIST_PAGES = 20;

/**
 * Whether a batch fits beside the distribution's in-progress invalidations, from ListInvalidations
 * (newest first) and GetInvalidation for their paths. Bounded: it stops counting as soon as the
 * answer is "no room", and treats more than 200 in-progress invalidations as no room rather than
 * fetching each (3,000 single-path invalidations are legal).
 */
export async function checkRoom(
  session: CloudFrontSession,
  distributionId: string,
  need: RoomNeed,
  onEvent: ProviderCallContext['onEvent'],
): Promise<RoomCount> {
  const { sdk, client, call } = session;
  const caps = cloudFrontProfile.capabilities;
  const maxFiles = (caps.maxPathsInFlight ?? Infinity) - need.files;
  const maxWildcards = (caps.maxPrefixesInFlight ?? Infinity) - need.wildcards;
  const ids: string[] = [];
  // The SDK's paginator follows NextMarker; each page is one call (retried by the SDK).
  const pages = sdk.paginateListInvalidations({ client, pageSize: 100 }, { DistributionId: distributionId });
  const iterator = pages[Symbol.asyncIterator]();
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const next = await call('ListInvalidations', distributionId, () => iterator.next(), onEvent);
    if (next.done) break;
    const items = next.value.InvalidationList?.Items ?? [];
    const inProgress = items.filter((item) => item.Status !== 'Completed').map((item) => item.Id!);
    ids.push(...inProgress);
    // Stop at the first page without anything in progress: older pages hold older invalidations.
    if (inProgress.length === 0 || ids.length > MAX_COUNTED_INVALIDATIONS) break;
  }
  // Stopped early: let the paginator release what it holds.
  await iterator.return?.(undefined);
  let files = 0;
  let wildcards = 0;
  const result = (room: boolean): RoomCount => ({ room, files, wildcards, invalidations: ids.length });
  if (ids.length > MAX_COUNTED_INVALIDATIONS) return result(false);
  for (const id of ids) {
    const got = await call(
      'GetInvalidation',
      distributionId,
      () => client.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
      onEvent,
    );
    if (got.Invalidation?.Status === 'Completed') continue;
    for (const path of got.Invalidation?.InvalidationBatch?.Paths?.Items ?? []) {
      if (path.endsWith('*')) wildcards++;
      else files++;
    }
    if (files > maxFiles || wildcards > maxWildcards) return result(false);
  }
  return result(true);
}

/** A room wait: one per submitted batch, across its retries. */
export interface RoomWait {
  /** When the wait gives up (epoch ms). */
  readonly deadline: number;
  /** Whether the last retry followed a count that said there was room (and the CDN still refused). */
  retriedWithRoom: boolean;
}

/**
 * Returns once a retry of the refused batch is worth making. Retries at once when a fresh count says
 * there is room; when the CDN disagrees with that count (it refused right after one), retries only
 * after the next poll, so it is not hammered. Past the deadline, IN_FLIGHT_TIMEOUT.
 */
export async function waitForRoom(
  session: CloudFrontSession,
  distributionId: string,
  need: RoomNeed,
  wait: RoomWait,
  refusal: unknown,
  onEvent: ProviderCallContext['onEvent'],
): Promise<void> {
  const { roomPollMs, roomTimeoutMs, sleep } = session.settings;
  for (;;) {
    const inFlight = await checkRoom(session, distributionId, need, onEvent);
    if (inFlight.room && !wait.retriedWithRoom) {
      wait.retriedWithRoom = true;
      return;
    }
    wait.retriedWithRoom = false;
    if (Date.now() + roomPollMs > wait.deadline) {
      throw new CdnError(
        'IN_FLIGHT_TIMEOUT',
        `CloudFront distribution ${distributionId} had no room for ${need.files} paths and ${need.wildcards} wildcards within ${Math.round(roomTimeoutMs / 1000)} s (in flight: at least ${inFlight.files} paths and ${inFlight.wildcards} wildcards in ${inFlight.invalidations} invalidations; limits 3,000 and 15). Retry later with this run's id (--run-id) so the batches already submitted are not sent twice.`,
        { cause: refusal },
      );
    }
    onEvent?.({
      type: 'waiting-for-room',
      distributionId,
      message: `TooManyInvalidationsInProgress: at least ${inFlight.files} paths and ${inFlight.wildcards} wildcards in flight; waiting for room, checking again in ${seconds(roomPollMs)}`,
    });
    await sleep(roomPollMs);
  }
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
