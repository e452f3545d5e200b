import { describe, expect, it } from 'vitest';
import { addImportMapIntegrity, importMapKey, reachableChunks } from './import-map-integrity.js';

const integrity = new Map([
  ['/assets/lazy.js', 'sha384-LAZY'],
  ['/assets/app.js', 'sha384-APP'],
]);

describe('addImportMapIntegrity', () => {
  it('inserts one import map before the first script or modulepreload, keys sorted, indented alike', () => {
    const html = [
      '<head>',
      '    <link rel="stylesheet" href="/assets/app.css">',
      '    <link rel="modulepreload" href="/assets/shared.js">',
      '    <script type="module" src="/assets/app.js"></script>',
      '</head>',
    ].join('\n');
    const result = addImportMapIntegrity(html, integrity);
    expect(result.outcome).toBe('inserted');
    expect(result.added).toBe(2);
    expect(result.html).toBe(
      html.replace(
        '    <link rel="modulepreload"',
        '    <script type="importmap">{"integrity":{"/assets/app.js":"sha384-APP","/assets/lazy.js":"sha384-LAZY"}}</script>\n' +
          '    <link rel="modulepreload"',
      ),
    );
  });

  it('merges into the page’s own inline import map; the page’s entries win and differences are reported', () => {
    const html =
      '<script type="importmap">{"imports":{"x":"/x.js"},"integrity":{"/assets/app.js":"sha384-MINE"}}</script>' +
      '<script type="module" src="/assets/app.js"></script>';
    const result = addImportMapIntegrity(html, integrity);
    expect(result.outcome).toBe('merged');
    expect(result.added).toBe(1);
    expect(result.conflicts).toEqual(['/assets/app.js']);
    expect(result.html).toBe(
      '<script type="importmap">{"imports":{"x":"/x.js"},"integrity":{"/assets/app.js":"sha384-MINE","/assets/lazy.js":"sha384-LAZY"}}</script>' +
        '<script type="module" src="/assets/app.js"></script>',
    );
  });

  it('leaves an import map that is not a JSON object alone, and says so', () => {
    const html = '<script type="importmap">{ nope</script><script type="module" src="/a.js"></script>';
    expect(addImportMapIntegrity(html, integrity)).toEqual({
      html,
      added: 0,
      outcome: 'invalid',
      conflicts: [],
    });
    const array = '<script type="importmap">[]</script>';
    expect(addImportMapIntegrity(array, integrity).outcome).toBe('invalid');
  });

  it('changes nothing without entries or without any script, and ignores tags in comments', () => {
    const page = '<!-- <script src="/a.js"></script> --><p>static</p>';
    expect(addImportMapIntegrity(page, integrity)).toEqual({
      html: page,
      added: 0,
      outcome: 'unchanged',
      conflicts: [],
    });
    const scripted = '<script type="module" src="/a.js"></script>';
    expect(addImportMapIntegrity(scripted, new Map()).html).toBe(scripted);
  });

  it('escapes < so a URL cannot close the script element', () => {
    const result = addImportMapIntegrity(
      '<script src="/a.js"></script>',
      new Map([['/</script><b>.js', 'sha384-X']]),
    );
    expect(result.html).not.toContain('</script><b>');
    const json = result.html.slice('<script type="importmap">'.length, result.html.indexOf('</script>'));
    expect(JSON.parse(json)).toEqual({ integrity: { '/</script><b>.js': 'sha384-X' } });
  });
});

describe('importMapKey', () => {
  it('follows Vite’s base: absolute path, full URL, or relative to the page', () => {
    expect(importMapKey('assets/a b.js', 'index.html', '/')).toBe('/assets/a%20b.js');
    expect(importMapKey('assets/a.js', 'index.html', '/app/')).toBe('/app/assets/a.js');
    expect(importMapKey('assets/a.js', 'index.html', 'https://cdn.example.com/app')).toBe(
      'https://cdn.example.com/app/assets/a.js',
    );
    expect(importMapKey('assets/a.js', 'index.html', './')).toBe('./assets/a.js');
    expect(importMapKey('assets/a.js', 'pages/deep/about.html', '')).toBe('../../assets/a.js');
    expect(importMapKey('assets/#1.js', 'index.html', './')).toBe('./assets/%231.js');
  });
});

describe('reachableChunks', () => {
  it('follows static and dynamic imports from the entries, once each, through cycles', () => {
    const graph = new Map([
      ['main.js', ['shared.js', 'lazy.js']],
      ['lazy.js', ['table.js', 'main.js']],
      ['table.js', []],
      ['other.js', ['unrelated.js']],
    ]);
    expect(reachableChunks(['main.js'], graph)).toEqual(['lazy.js', 'main.js', 'shared.js', 'table.js']);
    expect(reachableChunks([], graph)).toEqual([]);
  });
});
