/** The media types read as MessagePack: the registered-in-practice name and the two older aliases. */
export const MSGPACK_MEDIA_TYPES: readonly string[] = Object.freeze([
  'application/msgpack',
  'application/x-msgpack',
  'application/vnd.msgpack',
]);

/** Media ranges read from one Accept field at most: a longer list is abuse, not a browser. */
const MAX_RANGES = 64;

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/**
 * Whether an `Accept` field prefers MessagePack to JSON (RFC 9110 §12.5.1): a MessagePack type is
 * named explicitly (a wildcard such as `*\/*` or `application/*` never switches the format: a
 * client that has not asked for MessagePack cannot be assumed to read it), with a q-value above 0
 * and at least that of `application/json`. Each type's q-value is the one of its most specific
 * matching range.
 */
export function prefersMsgpack(accept: string | null): boolean {
  if (accept === null) return false;
  const ranges = parseAccept(accept);
  let msgpack = 0;
  let named = false;
  for (const type of MSGPACK_MEDIA_TYPES) {
    const exact = ranges.find((range) => `${range.type}/${range.subtype}` === type);
    if (exact !== undefined) {
      named = true;
      msgpack = Math.max(msgpack, exact.q);
    }
  }
  return named && msgpack > 0 && msgpack >= quality(ranges, 'application', 'json');
}

function quality(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best: MediaRange | undefined;
  let bestRank = -1;
  for (const range of ranges) {
    let rank = -1;
    if (range.type === type && range.subtype === subtype) rank = 2;
    else if (range.type === type && range.subtype === '*') rank = 1;
    else if (range.type === '*' && range.subtype === '*') rank = 0;
    if (rank > bestRank) {
      best = range;
      bestRank = rank;
    }
  }
  return best?.q ?? 0;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',', MAX_RANGES)) {
    const [media = '', ...params] = part.split(';');
    const slash = media.indexOf('/');
    if (slash === -1) continue;
    const type = media.slice(0, slash).trim().toLowerCase();
    const subtype = media
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    let q = 1;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=');
      if (name.trim().toLowerCase() !== 'q') continue;
      const parsed = Number(value.trim());
      // RFC 9110 §12.4.2: a qvalue is 0 to 1 with up to three decimals; anything else is ignored.
      if (/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value.trim()) && Number.isFinite(parsed)) q = parsed;
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}
