import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.ts';
import { batchRequest, collectFrames, resultsById } from '../../src/test-support/batch.ts';

// Issue 9, item 7: `//` was refused only in the path as sent, before dot segments were resolved, so
// `/.//evil.com/x` reached the app as `//evil.com/x`: a network-path reference that an app building a
// redirect or a link from its own path turns into an open redirect. The resolved path is now checked.

/** Paths that start with one `/` as sent but resolve to one starting with `//` (WHATWG URL parsing). */
const RESOLVE_TO_DOUBLE_SLASH = [
  '/.//evil.com/x',
  '/.//x',
  '/a/..//evil.com/x',
  '/..//evil.com/x',
  '/a/b/../..//evil.com',
  '/%2e//evil.com/x',
  '/%2E//evil.com/x',
  '/%2e%2e//evil.com/x',
  '/a/%2e%2e//evil.com/x',
  '/.%2e//evil.com/x',
  '/.\\/evil.com/x', // a backslash is a slash in http(s) URLs
  '/.\\\\evil.com/x',
  '/./\\evil.com/x',
  '/a/..\\\\evil.com',
  '/.//',
  '/.//?q=1',
  '/.//#frag',
];

describe('a path whose resolved form starts with // is refused', () => {
  it('answers INVALID_PATH for every variant and never calls the app with it', async () => {
    const seen: string[] = [];
    const handler = createBatchHandler({
      onError: () => {},
      fetch: (request) => {
        seen.push(new URL(request.url).pathname);
        return new Response('ok');
      },
    });
    const calls = RESOLVE_TO_DOUBLE_SLASH.map((path, id) => ({ id, path }));
    const frames = await collectFrames(
      await handler(batchRequest([...calls, { id: 99, path: '/a/./b/../c//d' }])),
    );
    for (const [id, path] of RESOLVE_TO_DOUBLE_SLASH.entries()) {
      const frame = frames.find((candidate) => candidate.kind === 'error' && candidate.id === id);
      expect(frame, path).toMatchObject({ code: 'INVALID_PATH' });
    }
    // `//` later in a path is an ordinary empty segment, and stays allowed.
    expect(resultsById(frames).get(99)?.status).toBe(200);
    expect(seen).toStrictEqual(['/a/c//d']);
  });
});
