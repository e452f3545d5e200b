import { WirepackError } from './errors.ts';
import type { DecodeLimits } from './limits.ts';

/**
 * The nesting level whose items {@link scanMessagePack}'s `maxItemBytes` bounds: the root is read
 * at 0, its items at 1, and the items of a list among those at 2 (a batch's calls in
 * `[version, batchId, calls]`).
 */
const ITEM_DEPTH = 2;

/**
 * Walks one MessagePack value without building it, and throws a coded {@link WirepackError} when
 * the bytes break the protocol's rules or the limits. msgpackr caps nothing by itself (a map32
 * header can declare four billion entries) and renames `__proto__` keys silently, so every
 * message is scanned before msgpackr sees it: lengths are checked from headers, before anything
 * is allocated, and the walk uses an explicit stack, so hostile nesting cannot overflow the
 * call stack.
 *
 * Rules beyond the limits:
 * - exactly one value fills the bytes (nothing after it);
 * - map keys are strings, and never `__proto__`: decoded maps become plain objects, and assigning
 *   that key would replace the object's prototype (msgpackr renames it to `__proto_`, silently
 *   changing the data; we refuse instead). `constructor` and `prototype` are kept as own data
 *   properties, exactly as `JSON.parse` keeps them: on a fresh plain object they shadow nothing
 *   shared, and the tests prove `Object.prototype` stays untouched;
 * - the only extension types are the timestamp (-1), in its 4, 8 or 12 byte forms, and the record
 *   definition (0x72, one-byte slot form only; see the README): `d4 72 <slot> <array of n key
 *   strings> <n values>` defines a record shape and reads one object; afterwards a byte
 *   0x40-0x7f naming a defined slot starts another object of that shape (n values). A byte
 *   0x40-0x7f whose slot has no definition in this message is a positive fixint, as in plain
 *   MessagePack: exactly how msgpackr reads it;
 * - the never-used byte 0xc1 is rejected.
 *
 * Record expansion: a record writes its keys once, and each later object of its shape costs one
 * byte, so wire bytes say little about what a message decodes to (a 73 KB batch of 65,000-byte
 * keys became 248 MiB of JSON; issue 9). Every use of a record after its definition is charged
 * its keys' bytes, which makes the count the message's size in plain MessagePack, records written
 * out as maps: `EXPANSION_TOO_LARGE` past `limits.maxExpandedBytes`. `maxItemBytes` bounds the
 * same count for each item of the list at the message's second level (a batch's calls, see
 * envelope.ts): `CALL_TOO_LARGE`. Both are counters, checked where they grow, so the scan stays
 * one pass.
 */
export function scanMessagePack(
  bytes: Uint8Array,
  limits: DecodeLimits,
  maxItemBytes: number = Number.POSITIVE_INFINITY,
): void {
  const end = bytes.length;
  if (end > limits.maxBytes) {
    throw new WirepackError(
      'BODY_TOO_LARGE',
      `message of ${end} bytes exceeds the limit of ${limits.maxBytes}`,
    );
  }
  const { maxDepth, maxEntries, maxStringBytes, maxBinaryBytes, maxExpandedBytes } = limits;
  if (end > maxExpandedBytes) throw expansionTooLarge(end, maxExpandedBytes);
  // remaining[d] = values still to read in the container at depth d; maps[d] = 1 for a map,
  // whose values alternate key, value (a key while the count left is even).
  const stackSize = Math.min(maxDepth, 4096) + 1;
  const remaining = new Float64Array(stackSize);
  const maps = new Uint8Array(stackSize);
  remaining[0] = 1;
  let depth = 0;
  let entries = 0;
  let pos = 0;
  // Record shapes defined so far in this message: slot (0-63) -> key count, -1 when undefined.
  const slots = new Int32Array(64).fill(-1);
  // Bytes of each slot's keys (headers included): what one more object of that shape would take
  // as a plain map.
  const slotKeyBytes = new Float64Array(64);
  // Bytes charged for record uses so far; the message's expanded size is `end + charged`.
  let charged = 0;
  // The item at ITEM_DEPTH being read: where its bytes start and `charged` when it started
  // (itemStart -1: none, or no item bound).
  const itemDepth = maxItemBytes === Number.POSITIVE_INFINITY ? -1 : ITEM_DEPTH;
  let itemStart = -1;
  let itemCharged = 0;

  while (depth >= 0) {
    const left = remaining[depth] as number;
    if (left === 0) {
      if (depth === itemDepth) endItem();
      depth--;
      continue;
    }
    remaining[depth] = left - 1;
    if (depth === itemDepth) {
      endItem();
      itemStart = pos;
      itemCharged = charged;
    }
    const isKey = maps[depth] === 1 && left % 2 === 0;
    if (pos >= end) throw truncated();
    const byte = bytes[pos++] as number;

    // Single-byte headers first: they are most of any real message.
    if (isKey) {
      let length: number;
      if (byte >= 0xa0 && byte <= 0xbf) length = byte & 0x1f;
      else if (byte === 0xd9 || byte === 0xda || byte === 0xdb) {
        const size = 1 << (byte - 0xd9);
        if (pos + size > end) throw truncated();
        length = readLength(bytes, pos, size);
        pos += size;
      } else throw new WirepackError('FORBIDDEN_KEY', 'map keys must be strings');
      pos = skipString(bytes, pos, length, end, maxStringBytes, true);
      continue;
    }
    if (byte < 0x40 || byte >= 0xe0) continue; // positive and negative fixint
    if (byte < 0x80) {
      const shape = slots[byte & 0x3f] as number;
      // A defined slot starts an object of that record shape; otherwise it is a fixint.
      if (shape >= 0) {
        charge(slotKeyBytes[byte & 0x3f] as number);
        openContainer(shape, 0);
      }
      continue;
    }
    if (byte < 0x90) {
      openContainer((byte & 0x0f) * 2, 1);
      continue;
    }
    if (byte < 0xa0) {
      openContainer(byte & 0x0f, 0);
      continue;
    }
    if (byte < 0xc0) {
      pos = skipString(bytes, pos, byte & 0x1f, end, maxStringBytes, false);
      continue;
    }
    switch (byte) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        continue;
      case 0xcc: // uint8, int8
      case 0xd0:
        pos += 1;
        break;
      case 0xcd: // uint16, int16
      case 0xd1:
        pos += 2;
        break;
      case 0xca: // float32, uint32, int32
      case 0xce:
      case 0xd2:
        pos += 4;
        break;
      case 0xcb: // float64, uint64, int64
      case 0xcf:
      case 0xd3:
        pos += 8;
        break;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        const size = 1 << (byte - 0xc4);
        if (pos + size > end) throw truncated();
        const length = readLength(bytes, pos, size);
        if (length > maxBinaryBytes) {
          throw new WirepackError('BINARY_TOO_LONG', `binary of ${length} bytes exceeds ${maxBinaryBytes}`);
        }
        pos += size + length;
        break;
      }
      case 0xd9:
      case 0xda:
      case 0xdb: {
        const size = 1 << (byte - 0xd9);
        if (pos + size > end) throw truncated();
        const length = readLength(bytes, pos, size);
        pos = skipString(bytes, pos + size, length, end, maxStringBytes, false);
        continue;
      }
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf: {
        const size = byte === 0xdc || byte === 0xde ? 2 : 4;
        if (pos + size > end) throw truncated();
        const count = readLength(bytes, pos, size);
        pos += size;
        openContainer(byte >= 0xde ? count * 2 : count, byte >= 0xde ? 1 : 0);
        continue;
      }
      case 0xd4:
        if (bytes[pos] === 0x72) {
          pos = defineRecord(pos + 1);
          continue;
        }
        pos = skipExtension(1, pos);
        break;
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        pos = skipExtension(1 << (byte - 0xd4), pos);
        break;
      case 0xc7:
      case 0xc8:
      case 0xc9: {
        const size = 1 << (byte - 0xc7);
        if (pos + size > end) throw truncated();
        pos = skipExtension(readLength(bytes, pos, size), pos + size);
        break;
      }
      default: // 0xc1 is never used
        throw new WirepackError('MALFORMED', `invalid MessagePack byte 0x${byte.toString(16)} at ${pos - 1}`);
    }
    if (pos > end) throw truncated();
  }
  if (pos !== end) {
    throw new WirepackError('MALFORMED', `${end - pos} bytes after the end of the MessagePack value`);
  }

  /** Adds one record use's key bytes to the expanded size, of the message and of the current item. */
  function charge(keyBytes: number): void {
    charged += keyBytes;
    if (end + charged > maxExpandedBytes) throw expansionTooLarge(end + charged, maxExpandedBytes);
    if (itemStart !== -1 && pos - itemStart + charged - itemCharged > maxItemBytes) {
      throw callTooLarge(maxItemBytes);
    }
  }

  /** Checks the item just read at ITEM_DEPTH (its wire bytes plus its charges). */
  function endItem(): void {
    if (itemStart !== -1 && pos - itemStart + charged - itemCharged > maxItemBytes) {
      throw callTooLarge(maxItemBytes);
    }
    itemStart = -1;
  }

  /** Pushes a container of `values` items (a map counts keys and values). */
  function openContainer(values: number, map: 0 | 1): void {
    entries += map ? values / 2 : values;
    if (entries > maxEntries) {
      throw new WirepackError('TOO_MANY_ENTRIES', `more than ${maxEntries} array items and map entries`);
    }
    if (values === 0) return;
    if (depth + 1 > maxDepth)
      throw new WirepackError('DEPTH_EXCEEDED', `containers nested deeper than ${maxDepth}`);
    // Each value takes at least one byte: a header declaring more than the bytes left is truncated.
    if (values > end - pos) throw truncated();
    depth++;
    remaining[depth] = values;
    maps[depth] = map;
  }

  /** `ext <type> <data>` where `pos` is at the type byte and `length` is the data's. */
  function skipExtension(length: number, at: number): number {
    if (at + 1 + length > end) throw truncated();
    const type = bytes[at] as number;
    if (type !== 0xff || (length !== 4 && length !== 8 && length !== 12)) {
      throw new WirepackError('MALFORMED', `unsupported MessagePack extension type ${(type << 24) >> 24}`);
    }
    return at + 1 + length;
  }

  /** `d4 72 <slot> <array of key strings>`, `at` pointing at the slot byte; opens the record's values. */
  function defineRecord(at: number): number {
    if (at + 2 > end) throw truncated();
    const slot = bytes[at] as number;
    if (slot < 0x40 || slot > 0x7f) throw new WirepackError('MALFORMED', 'record slot must be 0x40-0x7f');
    let cursor = at + 1;
    const header = bytes[cursor++] as number;
    let count: number;
    if (header >= 0x90 && header <= 0x9f) count = header & 0x0f;
    else if (header === 0xdc) {
      if (cursor + 2 > end) throw truncated();
      count = readLength(bytes, cursor, 2);
      cursor += 2;
    } else throw new WirepackError('MALFORMED', 'a record definition must list its keys in an array');
    if (count > end - cursor) throw truncated();
    const keysStart = cursor;
    for (let i = 0; i < count; i++) {
      if (cursor >= end) throw truncated();
      const key = bytes[cursor++] as number;
      let length: number;
      if (key >= 0xa0 && key <= 0xbf) length = key & 0x1f;
      else if (key === 0xd9 || key === 0xda) {
        const size = key === 0xd9 ? 1 : 2;
        if (cursor + size > end) throw truncated();
        length = readLength(bytes, cursor, size);
        cursor += size;
      } else throw new WirepackError('FORBIDDEN_KEY', 'record keys must be strings');
      cursor = skipString(bytes, cursor, length, end, maxStringBytes, true);
    }
    slots[slot & 0x3f] = count;
    // The key strings as written here (headers and bytes) are what each later use would repeat.
    slotKeyBytes[slot & 0x3f] = cursor - keysStart;
    pos = cursor;
    openContainer(count, 0);
    return pos;
  }
}

function expansionTooLarge(size: number, limit: number): WirepackError {
  return new WirepackError(
    'EXPANSION_TOO_LARGE',
    `message expands to more than ${limit} bytes once its records are written out (at least ${size})`,
  );
}

function callTooLarge(limit: number): WirepackError {
  return new WirepackError(
    'CALL_TOO_LARGE',
    `a call takes more than ${limit} bytes once its records are written out`,
  );
}

function truncated(): WirepackError {
  return new WirepackError('TRUNCATED', 'MessagePack ends early');
}

/** A big-endian unsigned length of 1, 2 or 4 bytes. */
function readLength(bytes: Uint8Array, at: number, size: number): number {
  if (size === 1) return bytes[at] as number;
  if (size === 2) return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

function skipString(
  bytes: Uint8Array,
  at: number,
  length: number,
  end: number,
  maxStringBytes: number,
  isKey: boolean,
): number {
  if (length > maxStringBytes) {
    throw new WirepackError('STRING_TOO_LONG', `string of ${length} bytes exceeds ${maxStringBytes}`);
  }
  if (at + length > end) throw truncated();
  if (isKey && length === 9 && isProtoKey(bytes, at)) {
    throw new WirepackError('FORBIDDEN_KEY', 'the map key "__proto__" is refused (prototype pollution)');
  }
  return at + length;
}

const PROTO_KEY = Uint8Array.from('__proto__', (char) => char.charCodeAt(0));

function isProtoKey(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < PROTO_KEY.length; i++) {
    if (bytes[start + i] !== PROTO_KEY[i]) return false;
  }
  return true;
}
