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
  if (bytes.length > limits.maxBytes) {
    throw new WirepackError(
      'BODY_TOO_LARGE',
      `message of ${bytes.length} bytes exceeds the limit of ${limits.maxBytes}`,
    );
  }
  if (bytes.length > limits.maxExpandedBytes) throw expansionTooLarge(bytes.length, limits.maxExpandedBytes);
  new MessagePackScan(bytes, limits, maxItemBytes).run();
}

/**
 * The state of one {@link scanMessagePack} walk, and its steps. {@link MessagePackScan.run} reads one
 * header at a time; a header is a map key ({@link MessagePackScan.readKey}), a one-byte value or
 * container ({@link MessagePackScan.readValue}), or a longer form ({@link MessagePackScan.readLongForm}).
 * Each step takes the position just after the header's first byte and returns the position after
 * what it read; the position stays a local of the loop (a field would be read and written on every
 * value, measurably slower). Containers are an explicit stack of counts, so hostile nesting cannot
 * overflow the call stack. One instance per message and nothing allocated per value: this runs on
 * every batch request.
 */
class MessagePackScan {
  private readonly bytes: Uint8Array;
  private readonly end: number;
  private readonly limits: DecodeLimits;
  private readonly maxItemBytes: number;
  /** The depth whose items `maxItemBytes` bounds, or -1 when there is no bound. */
  private readonly itemDepth: number;
  /** remaining[d] = values still to read in the container at depth d (a map counts keys and values). */
  private readonly remaining: Float64Array;
  /** maps[d] = 1 for a map, whose values alternate key, value (a key while the count left is even). */
  private readonly maps: Uint8Array;
  private depth = 0;
  /** Array items and map entries declared so far (limits.maxEntries). */
  private entries = 0;
  /** Record shapes defined so far in this message: slot (0-63) -> key count, -1 when undefined. */
  private readonly slots = new Int32Array(64).fill(-1);
  /** Bytes of each slot's keys (headers included): what one more object of that shape would take as a plain map. */
  private readonly slotKeyBytes = new Float64Array(64);
  /** Bytes charged for record uses so far; the message's expanded size is `end + charged`. */
  private charged = 0;
  /** Where the item at `itemDepth` being read starts (-1: none), and `charged` when it started. */
  private itemStart = -1;
  private itemCharged = 0;

  constructor(bytes: Uint8Array, limits: DecodeLimits, maxItemBytes: number) {
    this.bytes = bytes;
    this.end = bytes.length;
    this.limits = limits;
    this.maxItemBytes = maxItemBytes;
    this.itemDepth = maxItemBytes === Number.POSITIVE_INFINITY ? -1 : ITEM_DEPTH;
    const stackSize = Math.min(limits.maxDepth, 4096) + 1;
    this.remaining = new Float64Array(stackSize);
    this.maps = new Uint8Array(stackSize);
    this.remaining[0] = 1;
  }

  /** Reads values until the root is complete, then checks that nothing follows it. */
  run(): void {
    const { remaining, maps, bytes, end, itemDepth } = this;
    const { maxStringBytes } = this.limits;
    let pos = 0;
    while (this.depth >= 0) {
      const depth = this.depth;
      const left = remaining[depth] as number;
      if (left === 0) {
        if (depth === itemDepth) this.endItem(pos);
        this.depth = depth - 1;
        continue;
      }
      remaining[depth] = left - 1;
      if (depth === itemDepth) {
        this.endItem(pos);
        this.itemStart = pos;
        this.itemCharged = this.charged;
      }
      if (pos >= end) throw truncated();
      const byte = bytes[pos++] as number;
      // Keys, fixints and fixstrs, most of any real message, are read here without a call.
      if (maps[depth] === 1 && left % 2 === 0) pos = this.readKey(byte, pos);
      else if (byte < 0x40 || byte >= 0xe0)
        continue; // positive and negative fixint
      else if (byte >= 0xa0 && byte < 0xc0)
        pos = skipString(bytes, pos, byte & 0x1f, end, maxStringBytes, false);
      else pos = this.readValue(byte, pos);
    }
    if (pos !== end) {
      throw new WirepackError('MALFORMED', `${end - pos} bytes after the end of the MessagePack value`);
    }
  }

  /** A map key: a string (fixstr, str8, str16 or str32), never `__proto__`. */
  private readKey(byte: number, at: number): number {
    const { bytes, end } = this;
    let pos = at;
    let length: number;
    if (byte >= 0xa0 && byte <= 0xbf) length = byte & 0x1f;
    else if (byte === 0xd9 || byte === 0xda || byte === 0xdb) {
      const size = 1 << (byte - 0xd9);
      if (pos + size > end) throw truncated();
      length = readLength(bytes, pos, size);
      pos += size;
    } else throw new WirepackError('FORBIDDEN_KEY', 'map keys must be strings');
    return skipString(bytes, pos, length, end, this.limits.maxStringBytes, true);
  }

  /** A record use or a fixint (0x40-0x7f), a fixmap or a fixarray, else a {@link readLongForm} (0xc0-0xdf). */
  private readValue(byte: number, pos: number): number {
    if (byte < 0x80) {
      const shape = this.slots[byte & 0x3f] as number;
      // A defined slot starts an object of that record shape; otherwise it is a fixint.
      if (shape >= 0) {
        this.charge(this.slotKeyBytes[byte & 0x3f] as number, pos);
        this.openContainer(shape, 0, pos);
      }
      return pos;
    }
    if (byte < 0x90) this.openContainer((byte & 0x0f) * 2, 1, pos);
    else if (byte < 0xa0) this.openContainer(byte & 0x0f, 0, pos);
    else return this.readLongForm(byte, pos);
    return pos;
  }

  /** A value whose header is 0xc0-0xdf: nil and booleans, numbers, bin, str, array/map 16/32, ext. */
  private readLongForm(byte: number, pos: number): number {
    const { bytes, end } = this;
    switch (byte) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        return pos;
      case 0xcc: // uint8, int8
      case 0xd0:
        return this.skipFixed(1, pos);
      case 0xcd: // uint16, int16
      case 0xd1:
        return this.skipFixed(2, pos);
      case 0xca: // float32, uint32, int32
      case 0xce:
      case 0xd2:
        return this.skipFixed(4, pos);
      case 0xcb: // float64, uint64, int64
      case 0xcf:
      case 0xd3:
        return this.skipFixed(8, pos);
      case 0xc4: // bin8, bin16, bin32
      case 0xc5:
      case 0xc6:
        return this.skipBinary(1 << (byte - 0xc4), pos);
      case 0xd9: // str8, str16, str32
      case 0xda:
      case 0xdb: {
        const size = 1 << (byte - 0xd9);
        if (pos + size > end) throw truncated();
        const length = readLength(bytes, pos, size);
        return skipString(bytes, pos + size, length, end, this.limits.maxStringBytes, false);
      }
      case 0xdc: // array16, array32, map16, map32
      case 0xdd:
      case 0xde:
      case 0xdf: {
        const size = byte === 0xdc || byte === 0xde ? 2 : 4;
        if (pos + size > end) throw truncated();
        const count = readLength(bytes, pos, size);
        this.openContainer(byte >= 0xde ? count * 2 : count, byte >= 0xde ? 1 : 0, pos + size);
        return pos + size;
      }
      case 0xd4: // fixext1: a record definition, or another extension
        if (bytes[pos] === 0x72) return this.defineRecord(pos + 1);
        return this.skipExtension(1, pos);
      case 0xd5: // fixext 2, 4, 8, 16
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.skipExtension(1 << (byte - 0xd4), pos);
      case 0xc7: // ext8, ext16, ext32
      case 0xc8:
      case 0xc9: {
        const size = 1 << (byte - 0xc7);
        if (pos + size > end) throw truncated();
        return this.skipExtension(readLength(bytes, pos, size), pos + size);
      }
      default: // 0xc1 is never used
        throw new WirepackError('MALFORMED', `invalid MessagePack byte 0x${byte.toString(16)} at ${pos - 1}`);
    }
  }

  /** A number's `size` bytes after its header. */
  private skipFixed(size: number, pos: number): number {
    if (pos + size > this.end) throw truncated();
    return pos + size;
  }

  /** bin8/16/32: a length of `size` bytes, then that many bytes (limits.maxBinaryBytes). */
  private skipBinary(size: number, pos: number): number {
    if (pos + size > this.end) throw truncated();
    const length = readLength(this.bytes, pos, size);
    const { maxBinaryBytes } = this.limits;
    if (length > maxBinaryBytes) {
      throw new WirepackError('BINARY_TOO_LONG', `binary of ${length} bytes exceeds ${maxBinaryBytes}`);
    }
    if (pos + size + length > this.end) throw truncated();
    return pos + size + length;
  }

  /** Adds one record use's key bytes to the expanded size, of the message and of the current item. */
  private charge(keyBytes: number, pos: number): void {
    this.charged += keyBytes;
    const { maxExpandedBytes } = this.limits;
    if (this.end + this.charged > maxExpandedBytes) {
      throw expansionTooLarge(this.end + this.charged, maxExpandedBytes);
    }
    this.checkItem(pos);
  }

  /** Checks the item just read at `itemDepth` (its wire bytes plus its charges), and closes it. */
  private endItem(pos: number): void {
    this.checkItem(pos);
    this.itemStart = -1;
  }

  /** CALL_TOO_LARGE once the item being read, up to `pos`, takes more than `maxItemBytes` expanded. */
  private checkItem(pos: number): void {
    if (this.itemStart !== -1 && pos - this.itemStart + this.charged - this.itemCharged > this.maxItemBytes) {
      throw callTooLarge(this.maxItemBytes);
    }
  }

  /** Pushes a container of `values` items (a map counts keys and values) whose first item is at `pos`. */
  private openContainer(values: number, map: 0 | 1, pos: number): void {
    const { maxEntries, maxDepth } = this.limits;
    this.entries += map ? values / 2 : values;
    if (this.entries > maxEntries) {
      throw new WirepackError('TOO_MANY_ENTRIES', `more than ${maxEntries} array items and map entries`);
    }
    if (values === 0) return;
    if (this.depth + 1 > maxDepth)
      throw new WirepackError('DEPTH_EXCEEDED', `containers nested deeper than ${maxDepth}`);
    // Each value takes at least one byte: a header declaring more than the bytes left is truncated.
    if (values > this.end - pos) throw truncated();
    const depth = ++this.depth;
    this.remaining[depth] = values;
    this.maps[depth] = map;
  }

  /** `ext <type> <data>` where `at` is at the type byte and `length` is the data's; returns the position after it. */
  private skipExtension(length: number, at: number): number {
    if (at + 1 + length > this.end) throw truncated();
    const type = this.bytes[at] as number;
    if (type !== 0xff || (length !== 4 && length !== 8 && length !== 12)) {
      throw new WirepackError('MALFORMED', `unsupported MessagePack extension type ${(type << 24) >> 24}`);
    }
    return at + 1 + length;
  }

  /**
   * `d4 72 <slot> <array of key strings>`, `at` pointing at the slot byte: records the shape and
   * opens the record's values; returns the position of its first value.
   */
  private defineRecord(at: number): number {
    const { bytes, end } = this;
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
      cursor = skipString(bytes, cursor, length, end, this.limits.maxStringBytes, true);
    }
    this.slots[slot & 0x3f] = count;
    // The key strings as written here (headers and bytes) are what each later use would repeat.
    this.slotKeyBytes[slot & 0x3f] = cursor - keysStart;
    this.openContainer(count, 0, cursor);
    return cursor;
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
