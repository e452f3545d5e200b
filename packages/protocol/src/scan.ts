import { WirepackError } from './errors.ts';
import type { DecodeLimits } from './limits.ts';

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
 * - the only extension type is the timestamp (-1), in its 4, 8 or 12 byte forms;
 * - the never-used byte 0xc1 is rejected.
 */
export function scanMessagePack(bytes: Uint8Array, limits: DecodeLimits): void {
  const end = bytes.length;
  if (end > limits.maxBytes) {
    throw new WirepackError(
      'BODY_TOO_LARGE',
      `message of ${end} bytes exceeds the limit of ${limits.maxBytes}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // remaining[d] = values still to read in the container at depth d; isMap[d] says whether the
  // container is a map, whose values alternate key, value (a key when the count left is even).
  const remaining: number[] = [1];
  const isMap: boolean[] = [false];
  let depth = 0;
  let entries = 0;
  let pos = 0;

  const need = (count: number): void => {
    if (pos + count > end) throw new WirepackError('TRUNCATED', `MessagePack ends early at byte ${end}`);
  };
  const open = (count: number, map: boolean): void => {
    entries += count;
    if (entries > limits.maxEntries) {
      throw new WirepackError(
        'TOO_MANY_ENTRIES',
        `more than ${limits.maxEntries} array items and map entries`,
      );
    }
    if (count === 0) return;
    if (depth + 1 > limits.maxDepth) {
      throw new WirepackError('DEPTH_EXCEEDED', `containers nested deeper than ${limits.maxDepth}`);
    }
    // Each item takes at least one byte: a header declaring more items than bytes left is truncated.
    if ((map ? count * 2 : count) > end - pos) throw new WirepackError('TRUNCATED', 'container ends early');
    depth++;
    remaining[depth] = map ? count * 2 : count;
    isMap[depth] = map;
  };
  const skipString = (length: number, isKey: boolean): void => {
    if (length > limits.maxStringBytes) {
      throw new WirepackError(
        'STRING_TOO_LONG',
        `string of ${length} bytes exceeds ${limits.maxStringBytes}`,
      );
    }
    need(length);
    if (isKey && length === 9 && isProtoKey(bytes, pos)) {
      throw new WirepackError('FORBIDDEN_KEY', 'the map key "__proto__" is refused (prototype pollution)');
    }
    pos += length;
  };
  const skipBinary = (length: number): void => {
    if (length > limits.maxBinaryBytes) {
      throw new WirepackError(
        'BINARY_TOO_LONG',
        `binary of ${length} bytes exceeds ${limits.maxBinaryBytes}`,
      );
    }
    need(length);
    pos += length;
  };
  const skipExtension = (type: number, length: number): void => {
    need(length);
    if (type !== 0xff || (length !== 4 && length !== 8 && length !== 12)) {
      throw new WirepackError('MALFORMED', `unsupported MessagePack extension type ${(type << 24) >> 24}`);
    }
    pos += length;
  };

  while (depth >= 0) {
    if (remaining[depth] === 0) {
      depth--;
      continue;
    }
    const left = remaining[depth] as number;
    remaining[depth] = left - 1;
    const isKey = isMap[depth] === true && left % 2 === 0;
    need(1);
    const byte = bytes[pos++] as number;
    if (isKey && !((byte >= 0xa0 && byte <= 0xbf) || (byte >= 0xd9 && byte <= 0xdb))) {
      throw new WirepackError('FORBIDDEN_KEY', 'map keys must be strings');
    }
    if (byte <= 0x7f || byte >= 0xe0) continue; // fixint
    if (byte <= 0x8f) {
      open(byte & 0x0f, true);
      continue;
    }
    if (byte <= 0x9f) {
      open(byte & 0x0f, false);
      continue;
    }
    if (byte <= 0xbf) {
      skipString(byte & 0x1f, isKey);
      continue;
    }
    switch (byte) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        break;
      case 0xc4:
        need(1);
        skipBinary(view.getUint8(pos++));
        break;
      case 0xc5:
        need(2);
        pos += 2;
        skipBinary(view.getUint16(pos - 2));
        break;
      case 0xc6:
        need(4);
        pos += 4;
        skipBinary(view.getUint32(pos - 4));
        break;
      case 0xc7:
        need(2);
        pos += 2;
        skipExtension(view.getUint8(pos - 1), view.getUint8(pos - 2));
        break;
      case 0xc8:
        need(3);
        pos += 3;
        skipExtension(view.getUint8(pos - 1), view.getUint16(pos - 3));
        break;
      case 0xc9:
        need(5);
        pos += 5;
        skipExtension(view.getUint8(pos - 1), view.getUint32(pos - 5));
        break;
      case 0xca: // float32
        need(4);
        pos += 4;
        break;
      case 0xcb: // float64
        need(8);
        pos += 8;
        break;
      case 0xcc: // uint8
      case 0xd0: // int8
        need(1);
        pos += 1;
        break;
      case 0xcd:
      case 0xd1:
        need(2);
        pos += 2;
        break;
      case 0xce:
      case 0xd2:
        need(4);
        pos += 4;
        break;
      case 0xcf:
      case 0xd3:
        need(8);
        pos += 8;
        break;
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        need(1);
        pos += 1;
        skipExtension(view.getUint8(pos - 1), 1 << (byte - 0xd4));
        break;
      case 0xd9:
        need(1);
        skipString(view.getUint8(pos++), isKey);
        break;
      case 0xda:
        need(2);
        pos += 2;
        skipString(view.getUint16(pos - 2), isKey);
        break;
      case 0xdb:
        need(4);
        pos += 4;
        skipString(view.getUint32(pos - 4), isKey);
        break;
      case 0xdc:
        need(2);
        pos += 2;
        open(view.getUint16(pos - 2), false);
        break;
      case 0xdd:
        need(4);
        pos += 4;
        open(view.getUint32(pos - 4), false);
        break;
      case 0xde:
        need(2);
        pos += 2;
        open(view.getUint16(pos - 2), true);
        break;
      case 0xdf:
        need(4);
        pos += 4;
        open(view.getUint32(pos - 4), true);
        break;
      default: // 0xc1 is never used
        throw new WirepackError('MALFORMED', `invalid MessagePack byte 0x${byte.toString(16)} at ${pos - 1}`);
    }
  }
  if (pos !== end) {
    throw new WirepackError('MALFORMED', `${end - pos} bytes after the end of the MessagePack value`);
  }
}

const PROTO_KEY = Uint8Array.from('__proto__', (char) => char.charCodeAt(0));

function isProtoKey(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < PROTO_KEY.length; i++) {
    if (bytes[start + i] !== PROTO_KEY[i]) return false;
  }
  return true;
}
