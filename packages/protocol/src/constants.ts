/** The format version this package writes and the only one it reads. */
export const PROTOCOL_VERSION = 1;

/** The path both ends use for the batch endpoint unless configured otherwise. */
export const DEFAULT_ENDPOINT = '/__wirepack';

/** Media type of a batch request body (a msgpack-encoded {@link BatchRequest}). */
export const BATCH_MEDIA_TYPE = 'application/vnd.wirepack.batch+msgpack';

/** Media type of a batch response body: a stream of length-prefixed msgpack frames. */
export const FRAMES_MEDIA_TYPE = 'application/vnd.wirepack.frames+msgpack';

/** Media type of a cancel message body (a msgpack-encoded {@link CancelMessage}). */
export const CANCEL_MEDIA_TYPE = 'application/vnd.wirepack.cancel+msgpack';

/** Media type of batch-level errors (RFC 9457 problem details). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Bytes of the big-endian unsigned length that precedes every response frame. */
export const FRAME_HEADER_BYTES = 4;

/** Frame kinds, the first element of every response frame. */
export const FrameKind = {
  /** A sub-response: id, status, headers, body. */
  Result: 0,
  /** A sub-request that did not produce a response: id, error code, message. */
  Error: 1,
  /** The last frame of a batch: server timing. */
  End: 2,
  /** The batch failed after the response started: code, message. No frame follows. */
  Fatal: 3,
  /** Several sub-responses in one message: a list of [id, status, headers, body kind, body]. */
  Results: 4,
} as const;

/** Body kinds, as written on the wire. */
export const BodyKind = {
  None: 0,
  Bytes: 1,
  Json: 2,
} as const;

/** Sub-request priorities, as written on the wire (lower runs first). */
export const PriorityCode = {
  high: 0,
  auto: 1,
  low: 2,
} as const;
