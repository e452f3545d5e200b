import { expect, test } from 'vitest';
import * as protocol from './index.ts';

// The public surface of @wirepack/protocol: changing it is a deliberate, reviewed act.
test('export list', () => {
  expect(Object.keys(protocol).sort()).toMatchInlineSnapshot(`
    [
      "BATCH_MEDIA_TYPE",
      "BodyKind",
      "CANCEL_MEDIA_TYPE",
      "DEFAULT_DECODE_LIMITS",
      "DEFAULT_ENDPOINT",
      "ERROR_STATUS",
      "FRAMES_MEDIA_TYPE",
      "FRAME_HEADER_BYTES",
      "FrameKind",
      "NO_BODY",
      "PROBLEM_MEDIA_TYPE",
      "PROTOCOL_VERSION",
      "PriorityCode",
      "STATIC_HEADERS",
      "WirepackError",
      "createBatchId",
      "decodeBatchRequest",
      "decodeCancelMessage",
      "decodeFrameMessage",
      "decodeValue",
      "encodeBatchRequest",
      "encodeCancelMessage",
      "encodeFrame",
      "encodeResultsFrame",
      "encodeValue",
      "fromProblem",
      "isForbiddenRequestHeader",
      "isJsonMediaType",
      "isMediaType",
      "isWirepackError",
      "isWirepackErrorCode",
      "readFrameGroups",
      "readFrames",
      "rejectUnknownKeys",
      "resolveDecodeLimits",
      "statusForCode",
      "toProblem",
    ]
  `);
});
