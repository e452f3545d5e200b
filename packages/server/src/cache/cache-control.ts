/**
 * The `Cache-Control` directives a shared cache acts on (RFC 9111 §5.2), parsed from request or
 * response headers. Unknown directives are ignored, as §5.2.3 requires. A directive given twice
 * keeps its first value; an invalid delta-seconds (`max-age=abc`) counts as present with value 0,
 * the conservative reading §4.2.1 asks for ("consider the response stale").
 */
export interface CacheDirectives {
  readonly maxAge?: number;
  readonly sMaxAge?: number;
  readonly minFresh?: number;
  readonly noStore: boolean;
  readonly noCache: boolean;
  readonly private: boolean;
  readonly public: boolean;
  readonly mustRevalidate: boolean;
  readonly proxyRevalidate: boolean;
  readonly onlyIfCached: boolean;
}

/** Values past 2^31 seconds are capped there (RFC 9111 §1.2.2). */
const MAX_DELTA_SECONDS = 2_147_483_648;

/** Parses a `Cache-Control` field value (or null) into the directives the cache uses. */
export function parseCacheControl(value: string | null): CacheDirectives {
  const seen = new Map<string, string | undefined>();
  if (value !== null) {
    for (const part of splitDirectives(value)) {
      const eq = part.indexOf('=');
      const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
      if (name === '' || seen.has(name)) continue;
      let argument = eq === -1 ? undefined : part.slice(eq + 1).trim();
      if (argument?.startsWith('"') && argument.endsWith('"') && argument.length >= 2) {
        argument = argument.slice(1, -1);
      }
      seen.set(name, argument);
    }
  }
  const directives: {
    -readonly [TKey in keyof CacheDirectives]: CacheDirectives[TKey];
  } = {
    noStore: seen.has('no-store'),
    // `no-cache="Set-Cookie"` (qualified form) is treated like plain no-cache: stricter, never wrong.
    noCache: seen.has('no-cache'),
    // Likewise a qualified `private="..."` is treated as wholly private.
    private: seen.has('private'),
    public: seen.has('public'),
    mustRevalidate: seen.has('must-revalidate'),
    proxyRevalidate: seen.has('proxy-revalidate'),
    onlyIfCached: seen.has('only-if-cached'),
  };
  if (seen.has('max-age')) directives.maxAge = deltaSeconds(seen.get('max-age'));
  if (seen.has('s-maxage')) directives.sMaxAge = deltaSeconds(seen.get('s-maxage'));
  if (seen.has('min-fresh')) directives.minFresh = deltaSeconds(seen.get('min-fresh'));
  return directives;
}

function deltaSeconds(argument: string | undefined): number {
  if (argument === undefined || !/^\d+$/.test(argument)) return 0;
  return Math.min(Number(argument), MAX_DELTA_SECONDS);
}

/** Splits on commas outside quoted strings (a qualified `no-cache="a, b"` holds commas). */
function splitDirectives(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '"') quoted = !quoted;
    else if (char === '\\' && quoted) i++;
    else if (char === ',' && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}
