import { Packr } from 'msgpackr';
import { WirepackError } from './errors.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.ts';
import { scanMessagePack } from './scan.ts';

/**
 * The one msgpackr configuration both ends use:
 *
 * - Records, per message only: the first object of a shape writes its keys once (the record
 *   extension 0x72, specified in the README) and every later object of that shape writes only
 *   its values. Batches are lists of alike objects, so this halves their size and makes decoding
 *   about 3x faster than JSON.parse (see bench/). No shared `structures`: those are state that
 *   client and server would have to keep in step across deploys (msgpackr#164), while per-message
 *   records make every message self-describing. `maxOwnStructures: 64` keeps slot ids to one byte
 *   (the two-byte form had a decoding bug in 2026, msgpackr#189). Plain MessagePack from any
 *   encoder decodes too.
 * - `mapsAsObjects: true`: maps decode as plain objects (string keys only, see scan.ts).
 * - `int64AsType: 'auto'`: 64-bit integers decode as numbers when they are safe integers and as
 *   BigInt otherwise (msgpackr's default would make even `5` a BigInt when sent as uint64).
 * - `encodeUndefinedAsNil: true`: `undefined` travels as nil and decodes as `null`, which any
 *   MessagePack decoder reads (msgpackr's own undefined is a private extension).
 * - Dates use the timestamp extension (-1), msgpackr's default; they decode as Date. An invalid
 *   Date fails to encode.
 * - Uint8Array (and Buffer) travel as bin and decode as Uint8Array.
 * - BigInt within 64 bits travels as int64/uint64; wider ones fail to encode (ENCODE_FAILED).
 * - Map encodes as a MessagePack map and decodes as a plain object; its keys must be strings.
 * - `useFloat32` stays off: every non-integer number is a float64, so numbers round-trip exactly,
 *   except `-0`, which travels as the integer 0 (as `JSON.stringify` writes it).
 * - Set travels as an array; other classes (RegExp, Error, class instances) are not part of the
 *   value model and travel as whatever msgpackr makes of them: send plain data.
 */
const packr = new Packr({
  useRecords: true,
  maxSharedStructures: 0,
  maxOwnStructures: 64,
  mapsAsObjects: true,
  int64AsType: 'auto',
  encodeUndefinedAsNil: true,
  // fixmap headers for small objects (1 byte instead of msgpackr's default 3-byte map16).
  variableMapSize: true,
  // An invalid Date has no timestamp: refuse it when encoding rather than send bytes the other
  // side must reject.
  onInvalidDate: () => {
    throw new TypeError('an invalid Date cannot be encoded');
  },
  // msgpackr's own extensions (Set, Error, RegExp, typed arrays) would be refused by our decoder
  // (scan.ts accepts only timestamps); keep the value model plain.
  moreTypes: false,
} as unknown as ConstructorParameters<typeof Packr>[0]); // the typings lack 'auto', which msgpackr 2 supports

/** Encodes a value as MessagePack with the protocol's configuration. */
export function encodeValue(value: unknown): Uint8Array {
  return encodeWithPrefix(value, 0);
}

/**
 * @internal Encodes a value after `prefixBytes` zero bytes that the caller fills in (a frame's
 * length). msgpackr reuses one growing buffer and returns a view of it, so the bytes are copied
 * once, straight into a buffer the caller owns.
 */
export function encodeWithPrefix(value: unknown, prefixBytes: number): Uint8Array {
  let packed: Uint8Array;
  try {
    packed = packr.pack(value);
  } catch (error) {
    throw new WirepackError('ENCODE_FAILED', `value cannot be encoded as MessagePack: ${describe(error)}`, {
      cause: error,
    });
  }
  const out = new Uint8Array(prefixBytes + packed.length);
  out.set(packed, prefixBytes);
  return out;
}

/**
 * Decodes one MessagePack value after checking it against the limits (see scan.ts). Throws only
 * {@link WirepackError}.
 */
export function decodeValue(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): unknown {
  return decodeMessage(bytes, limits, Number.POSITIVE_INFINITY);
}

/**
 * @internal {@link decodeValue} that also bounds the expanded size of each item of the list at
 * the message's second level (a batch's calls): CALL_TOO_LARGE past `maxItemBytes`.
 */
export function decodeMessage(bytes: Uint8Array, limits: DecodeLimits, maxItemBytes: number): unknown {
  scanMessagePack(bytes, limits, maxItemBytes);
  try {
    return packr.unpack(bytes);
  } catch (error) {
    // The scan accepted the structure, so this is a value msgpackr itself refuses (bad UTF-8 in
    // strict modes, an invalid timestamp): still the caller's malformed input.
    throw new WirepackError('MALFORMED', `invalid MessagePack: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
