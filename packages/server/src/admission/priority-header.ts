import type { AdmissionPriority } from './admission-options.ts';

// RFC 9218 section 4.1: urgency is an integer from 0 (most urgent) to 7, default 3.
const DEFAULT_URGENCY = 3;

/**
 * The urgency of an RFC 9218 `Priority` request header (`u=0` ... `u=7`), or 3, the RFC's default,
 * when the header or its `u` member is missing or invalid. The header is a Structured Fields
 * Dictionary (RFC 8941 section 3.2): members are comma-separated, a repeated key's last value wins,
 * and parameters after `;` belong to the member. Invalid values are ignored, as section 4 requires,
 * rather than refusing the request. At most the first 256 characters are read: a client controls it.
 */
export function parseUrgency(header: string | null | undefined): number {
  if (!header) return DEFAULT_URGENCY;
  let urgency = DEFAULT_URGENCY;
  for (const member of header.slice(0, 256).split(',')) {
    const [key, value] = (member.split(';', 1)[0] as string).split('=', 2);
    if (key?.trim() !== 'u' || value === undefined) continue;
    const text = value.trim();
    if (/^[0-7]$/.test(text)) urgency = Number(text);
  }
  return urgency;
}

/**
 * The admission priority of a plain request from its `Priority` header: urgency 0-2 is `high`, the
 * default 3 is `auto`, 4-7 (background work, prefetches) is `low`. The header is the client's claim:
 * a server that must not let clients promote themselves passes its own `priorityOf` to
 * `withAdmission` instead (say, from the route or the user's plan).
 */
export function priorityFromHeader(request: Request): AdmissionPriority {
  const urgency = parseUrgency(request.headers.get('priority'));
  if (urgency < DEFAULT_URGENCY) return 'high';
  return urgency === DEFAULT_URGENCY ? 'auto' : 'low';
}
