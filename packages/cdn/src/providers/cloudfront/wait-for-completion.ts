import { CdnError } from '../../errors.ts';
import type { ProviderCallContext } from '../provider.ts';
import { toCdnError } from './aws-errors.ts';
import type { CloudFrontSession } from './cloudfront-session.ts';

/**
 * Polls GetInvalidation for each id until all are `Completed` or `timeoutMs` has passed, and returns the
 * last status of each. One deadline is shared across the ids, and each poll is reported as an event (the
 * SDK's `waitUntilInvalidationCompleted` waits for one id in whole seconds and throws on timeout).
 */
export async function waitForCompletion(
  session: CloudFrontSession,
  distributionId: string,
  ids: readonly string[],
  options: { readonly timeoutMs: number } & ProviderCallContext,
): Promise<ReadonlyMap<string, string>> {
  const { sdk, client, call, settings } = session;
  const deadline = Date.now() + options.timeoutMs;
  const status = new Map<string, string>(ids.map((id) => [id, 'InProgress']));
  let interval = Math.min(1000, settings.completionPollMs);
  for (;;) {
    for (const id of ids) {
      if (status.get(id) === 'Completed') continue;
      try {
        const got = await call(
          'GetInvalidation',
          distributionId,
          () => client.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
          options.onEvent,
        );
        status.set(id, got.Invalidation?.Status ?? 'InProgress');
      } catch (error) {
        throw error instanceof CdnError ? error : toCdnError(error, 'GetInvalidation', distributionId);
      }
    }
    const pending = ids.filter((id) => status.get(id) !== 'Completed');
    const left = deadline - Date.now();
    if (pending.length === 0 || left <= 0) return status;
    options.onEvent?.({
      type: 'polling',
      distributionId,
      message: `${pending.length} invalidation(s) in progress; ${Math.ceil(left / 1000)} s left to wait`,
    });
    // Most invalidations take minutes, some seconds: poll soon at first, then every completionPollMs.
    await settings.sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, settings.completionPollMs);
  }
}
