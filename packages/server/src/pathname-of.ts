/**
 * The path of an absolute URL without parsing all of it: every request of the app passes here (the
 * batch endpoint's check, metrics labels), and only some need a URL object. Request URLs are already
 * normalised by the runtime.
 */
export function pathnameOf(url: string): string {
  const authority = url.indexOf('//');
  const start = url.indexOf('/', authority === -1 ? 0 : authority + 2);
  if (start === -1) return '/';
  let end = url.length;
  const query = url.indexOf('?', start);
  if (query !== -1) end = query;
  const hash = url.indexOf('#', start);
  if (hash !== -1 && hash < end) end = hash;
  return url.slice(start, end);
}
