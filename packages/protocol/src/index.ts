// @wirepack/protocol: the batch wire format shared by @wirepack/client and @wirepack/server.
// The format itself is specified in this package's README.md.

// --- Batch ids ------------------------------------------------------------------------------
export { createBatchId } from './batch-id.ts';
// --- The codec ------------------------------------------------------------------------------
export { decodeValue, encodeValue } from './codec.ts';
// --- Constants ------------------------------------------------------------------------------
export {
  BATCH_MEDIA_TYPE,
  BodyKind,
  CANCEL_MEDIA_TYPE,
  DEFAULT_ENDPOINT,
  FRAME_HEADER_BYTES,
  FRAMES_MEDIA_TYPE,
  FrameKind,
  PROBLEM_MEDIA_TYPE,
  PROTOCOL_VERSION,
  PriorityCode,
} from './constants.ts';
// --- Batch requests and cancel messages -----------------------------------------------------
export {
  type BatchRequest,
  type Body,
  type CancelMessage,
  decodeBatchRequest,
  decodeCancelMessage,
  encodeBatchRequest,
  encodeCancelMessage,
  NO_BODY,
  type Priority,
  type SubRequest,
} from './envelope.ts';
// --- Errors ---------------------------------------------------------------------------------
export {
  ERROR_STATUS,
  isWirepackError,
  isWirepackErrorCode,
  statusForCode,
  WirepackError,
  type WirepackErrorCode,
  type WirepackErrorOptions,
} from './errors.ts';
// --- Response frames ------------------------------------------------------------------------
export {
  decodeFrameMessage,
  type EndFrame,
  type ErrorFrame,
  encodeFrame,
  encodeResultsFrame,
  type FatalFrame,
  type Frame,
  type ReadFramesOptions,
  type ResultFrame,
  readFrameGroups,
  readFrames,
} from './frames.ts';
// --- Headers ------------------------------------------------------------------------------
export { type HeaderList, isForbiddenRequestHeader, STATIC_HEADERS } from './headers.ts';
// --- Decode limits ---------------------------------------------------------------------------
export { DEFAULT_DECODE_LIMITS, type DecodeLimits, resolveDecodeLimits } from './limits.ts';
// --- Media types ----------------------------------------------------------------------------
export { isJsonMediaType, isMediaType } from './media-type.ts';
// --- Options --------------------------------------------------------------------------------
export { rejectUnknownKeys } from './option-keys.ts';
// --- Problem details (batch-level errors) ---------------------------------------------------
export { fromProblem, type Problem, toProblem } from './problem.ts';
