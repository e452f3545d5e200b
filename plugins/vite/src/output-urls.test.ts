import { describe, expect, it } from 'vitest';
import { basePath, resolveOutputUrl, urlPathOf } from './output-urls.ts';

describe('basePath', () => {
  it.each([
    ['/', '/'],
    ['/app/', '/app/'],
    ['/app', '/app/'],
    ['./', '/'],
    ['', '/'],
    ['https://cdn.example.com/app/', '/app/'],
    ['https://cdn.example.com', '/'],
  ])('%j -> %j', (base, expected) => {
    expect(basePath(base)).toBe(expected);
  });
});

describe('urlPathOf', () => {
  it('prefixes the base and percent-encodes like a browser', () => {
    expect(urlPathOf('assets/app-1a2b3c4d.js', '/')).toBe('/assets/app-1a2b3c4d.js');
    expect(urlPathOf('docs/read me.txt', '/app/')).toBe('/app/docs/read%20me.txt');
    expect(urlPathOf('a#b?c%d.txt', '/')).toBe('/a%23b%3Fc%25d.txt');
    expect(urlPathOf('café.txt', './')).toBe('/caf%C3%A9.txt');
  });
});

describe('resolveOutputUrl', () => {
  it('maps root-relative URLs under the base', () => {
    expect(resolveOutputUrl('/assets/app.js', 'index.html', '/')).toBe('assets/app.js');
    expect(resolveOutputUrl('/app/assets/app.js?v=1#x', 'index.html', '/app/')).toBe('assets/app.js');
    expect(resolveOutputUrl('/other/app.js', 'index.html', '/app/')).toBeUndefined();
  });

  it('maps relative URLs from the HTML file, and full URLs under an absolute base', () => {
    expect(resolveOutputUrl('../assets/app.js', 'pages/about.html', './')).toBe('assets/app.js');
    expect(resolveOutputUrl('./assets/app.js', 'index.html', './')).toBe('assets/app.js');
    expect(
      resolveOutputUrl('https://cdn.example.com/x/assets/a.js', 'index.html', 'https://cdn.example.com/x/'),
    ).toBe('assets/a.js');
    expect(
      resolveOutputUrl('https://elsewhere.example/a.js', 'index.html', 'https://cdn.example.com/x/'),
    ).toBeUndefined();
    expect(resolveOutputUrl('https://cdn.example.com/x/a.js', 'index.html', '/')).toBeUndefined();
  });

  it('decodes percent-encoding and refuses anything above the output directory', () => {
    expect(resolveOutputUrl('/docs/read%20me.txt', 'index.html', '/')).toBe('docs/read me.txt');
    expect(resolveOutputUrl('../../etc/passwd', 'index.html', './')).toBeUndefined();
    expect(resolveOutputUrl('/%2e%2e/secret', 'index.html', '/')).toBeUndefined();
    expect(resolveOutputUrl('/bad%zzescape', 'index.html', '/')).toBeUndefined();
    expect(resolveOutputUrl('', 'index.html', '/')).toBeUndefined();
    expect(resolveOutputUrl('data:text/javascript,1', 'index.html', '/')).toBeUndefined();
  });
});
