import { isIPv4, isIPv6 } from 'node:net';

/**
 * The longest host accepted, port excluded: RFC 3986 section 3.2.2 asks URI producers to keep
 * reg-names to 255 characters (DNS names stop at 253), and nothing longer names a real server.
 */
const MAX_HOST_LENGTH = 255;

// RFC 3986 section 3.2.2 reg-name = *( unreserved / pct-encoded / sub-delims ), without pct-encoded:
// browsers never send it, and WHATWG URL decodes it, so `a%2Fb` would become a host with a `/` in it.
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=]+$/;
// RFC 3986 section 3.2.3 port = *DIGIT; more than five digits cannot be a port (checked <= 65535 below).
const PORT = /^[0-9]{0,5}$/;

/**
 * Whether a `Host` header value (RFC 9110 section 7.2: `uri-host [ ":" port ]`) is an RFC 3986
 * authority without userinfo: a reg-name, an IPv4 address or a bracketed IPv6 literal, then an optional
 * port up to 65535. The Node adapter builds each request's URL by pasting Host in front of the path, so
 * a `/`, `?`, `#`, `@`, `\` or a space in it would change the path or the origin the app sees (issue 9
 * item 7); RFC 9112 section 3.2 has the server answer 400 to "a Host header field with an invalid field
 * value". IPvFuture literals (`[v1.x]`) are refused too: WHATWG URL cannot parse them.
 */
export function isValidHost(host: string): boolean {
  let name = host;
  let port = '';
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return false;
    name = host.slice(1, close);
    const rest = host.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return false;
      port = rest.slice(1);
    }
    if (!isIPv6(name)) return false;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      name = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    if (name.length === 0 || name.length > MAX_HOST_LENGTH) return false;
    if (!isIPv4(name) && !REG_NAME.test(name)) return false;
  }
  return PORT.test(port) && (port === '' || Number(port) <= 65_535);
}
