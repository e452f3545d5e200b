import { describe, expect, it } from 'vitest';
import { addIntegrity, type IntegrityCandidate } from './sri.ts';

const known: Record<string, string> = {
  '/assets/app.js': 'sha384-APP',
  '/assets/app.css': 'sha384-CSS',
  '/assets/shared.js': 'sha384-SHARED',
  'https://cdn.example.com/assets/app.js': 'sha384-CDN',
  'https://cdn.example.com/assets/app.css': 'sha384-CDNCSS',
};
const lookup = (candidate: IntegrityCandidate): string | undefined => known[candidate.url];

describe('addIntegrity', () => {
  it('adds integrity to module scripts, stylesheets and modulepreloads, changing nothing else', () => {
    const html = [
      '<!doctype html><html><head>',
      '<script type="module" crossorigin src="/assets/app.js"></script>',
      '<link rel="modulepreload" crossorigin href="/assets/shared.js">',
      '<link rel="stylesheet" crossorigin href="/assets/app.css">',
      '<link rel="icon" href="/favicon.ico">',
      '</head><body></body></html>',
    ].join('\n');
    const result = addIntegrity(html, lookup);
    expect(result.added).toBe(3);
    expect(result.html).toBe(
      html
        .replace('src="/assets/app.js">', 'src="/assets/app.js" integrity="sha384-APP">')
        .replace('href="/assets/shared.js">', 'href="/assets/shared.js" integrity="sha384-SHARED">')
        .replace('href="/assets/app.css">', 'href="/assets/app.css" integrity="sha384-CSS">'),
    );
  });

  it('handles self-closing tags, single quotes, unquoted values and entities', () => {
    const result = addIntegrity(
      `<link rel='stylesheet' href='/assets/app.css' /><script src=/assets/app.js></script><link rel="modulepreload" href="/assets/shared.js?x=1&amp;y=2">`,
      (candidate) => (candidate.url === '/assets/shared.js?x=1&y=2' ? 'sha384-Q' : lookup(candidate)),
    );
    expect(result.html).toBe(
      `<link rel='stylesheet' href='/assets/app.css' integrity="sha384-CSS" /><script src=/assets/app.js integrity="sha384-APP"></script><link rel="modulepreload" href="/assets/shared.js?x=1&amp;y=2" integrity="sha384-Q">`,
    );
  });

  it('leaves comments, inline script text, existing integrity and unknown files alone', () => {
    const html = [
      '<!-- <script src="/assets/app.js"></script> -->',
      "<script>document.write('<script src=\"/assets/app.js\"></scr' + 'ipt>')</script>",
      '<script src="/assets/app.js" integrity="sha384-MINE"></script>',
      '<script src="/elsewhere.js"></script>',
      '<script type="module">import "/assets/app.js"</script>',
      '<style>/* <link rel="stylesheet" href="/assets/app.css"> */</style>',
    ].join('\n');
    const result = addIntegrity(html, lookup);
    expect(result).toEqual({ html, added: 0, skipped: [] });
  });

  it('skips classic cross-origin tags without crossorigin, where SRI would block them', () => {
    const html = [
      '<script src="https://cdn.example.com/assets/app.js"></script>',
      '<link rel="stylesheet" href="https://cdn.example.com/assets/app.css">',
      '<script type="module" src="https://cdn.example.com/assets/app.js"></script>',
      '<script crossorigin src="https://cdn.example.com/assets/app.js"></script>',
    ].join('\n');
    const result = addIntegrity(html, lookup);
    expect(result.added).toBe(2);
    expect(result.skipped).toEqual([
      'https://cdn.example.com/assets/app.js',
      'https://cdn.example.com/assets/app.css',
    ]);
    expect(result.html).toContain(
      '<script type="module" src="https://cdn.example.com/assets/app.js" integrity="sha384-CDN">',
    );
    expect(result.html).toContain(
      '<script crossorigin src="https://cdn.example.com/assets/app.js" integrity="sha384-CDN">',
    );
  });

  it('matches tag and attribute names case-insensitively', () => {
    const result = addIntegrity('<SCRIPT TYPE="module" SRC="/assets/app.js"></SCRIPT>', lookup);
    expect(result.html).toBe('<SCRIPT TYPE="module" SRC="/assets/app.js" integrity="sha384-APP"></SCRIPT>');
  });

  it('survives truncated markup', () => {
    expect(addIntegrity('<script src="/assets/app.js"', lookup).added).toBe(0);
    expect(addIntegrity('<!-- never closed <script src="/assets/app.js">', lookup).added).toBe(0);
    expect(addIntegrity('a < b and <3', lookup).html).toBe('a < b and <3');
  });
});
