// One CreateInvalidation, with what CloudFront's answers call for: a wait for room after
// TooManyInvalidationsInProgress, and one new reference after a CallerReference conflict.
import { createHash } from 'node:crypto';
import { CdnError } from '../../errors.ts';
import type { ProviderCallContext, SubmitRequest, SubmitResult } from '../provider.ts';
import { describeAwsError, errorName, isReferenceConflict, toCdnError } from './aws-errors.ts';
import type { CloudFrontSession } from './cloudfront-session.ts';
import { type RoomWait, waitForRoom } from './in-flight-room.ts';

/**
 * Submits one batch. Transient failures are the SDK's to retry (the session's call); this loop handles
 * the two refusals that need a decision: no room in flight (wait, then retry the same reference) and a
 * reference already used for other paths (retry once under a reference that also covers the paths).
 */
export async function submitInvalidation(
  session: CloudFrontSession,
  request: SubmitRequest,
  context: ProviderCallContext = {},
): Promise<SubmitResult> {
  const { sdk, client, call, settings } = session;
  const { distributionId, paths } = request;
  const { onEvent } = context;
  const wildcards = paths.filter((path) => path.endsWith('*')).length;
  const need = { files: paths.length - wildcards, wildcards };
  let reference = request.callerReference ?? randomReference(paths);
  let conflictHandled = false;
  const roomWait: RoomWait = { deadline: Date.now() + settings.roomTimeoutMs, retriedWithRoom: false };
  for (;;) {
    try {
      const created = await call(
        'CreateInvalidation',
        distributionId,
        () =>
          client.send(
            new sdk.CreateInvalidationCommand({
              DistributionId: distributionId,
              InvalidationBatch: {
                CallerReference: reference,
                Paths: { Quantity: paths.length, Items: [...paths] },
              },
            }),
          ),
        onEvent,
      );
      const id = created.Invalidation?.Id;
      if (!id)
        throw new CdnError(
          'PROVIDER_REJECTED',
          `CloudFront answered CreateInvalidation for ${distributionId} without an invalidation id`,
        );
      return { id, status: created.Invalidation?.Status ?? 'InProgress', callerReference: reference };
    } catch (error) {
      if (error instanceof CdnError) throw error;
      const name = errorName(error);
      if (name === 'TooManyInvalidationsInProgress') {
        await waitForRoom(session, distributionId, need, roomWait, error, onEvent);
        continue;
      }
      if (isReferenceConflict(error) && !conflictHandled) {
        // The same deploy was submitted before with other paths (the previous manifest differed).
        // A reference that also covers the paths stays deterministic for this exact batch.
        conflictHandled = true;
        reference = `${reference}-${pathsDigest(paths)}`;
        onEvent?.({
          type: 'reference-conflict',
          distributionId,
          message: `${name}: the caller reference was used for other paths; submitting as ${reference}`,
        });
        continue;
      }
      if (isReferenceConflict(error)) {
        throw new CdnError(
          'CALLER_REFERENCE_CONFLICT',
          `CloudFront refused CallerReference ${reference} for ${distributionId} (${describeAwsError(error)}) although it covers these exact paths; run without reusing this reference.`,
          { cause: error },
        );
      }
      throw toCdnError(error, 'CreateInvalidation', distributionId);
    }
  }
}

/** 12 hex digits of the SHA-256 of the paths, one per line. */
function pathsDigest(paths: readonly string[]): string {
  return createHash('sha256').update(paths.join('\n')).digest('hex').slice(0, 12);
}

/** Without an idempotency key from the plan, a one-off reference (not idempotent across runs). */
function randomReference(paths: readonly string[]): string {
  return `wirepack-${Date.now()}-${pathsDigest(paths)}`;
}
