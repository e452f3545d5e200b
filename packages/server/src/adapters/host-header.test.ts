import { describe, expect, it } from 'vitest';
import { isValidHost } from './host-header.ts';

describe('isValidHost (RFC 3986 authority without userinfo)', () => {
  it('accepts reg-names, IPv4, IPv6 literals, with or without a port', () => {
    for (const host of [
      'app.test',
      'APP.Test',
      'localhost:3000',
      'a-b_c~d.test',
      "sub!$&'()*+,;=delims",
      '127.0.0.1',
      '127.0.0.1:65535',
      '[::1]',
      '[::1]:8080',
      '[2001:db8::1]',
      'xn--bcher-kva.test',
      'host:', // port = *DIGIT: an empty port means the default
      'a'.repeat(255),
    ]) {
      expect(isValidHost(host), host).toBe(true);
    }
  });

  it('refuses what would change the path or the origin, and what is not an authority', () => {
    for (const host of [
      '',
      ':80',
      'evil.test/x',
      'evil.test?',
      'evil.test#',
      'user@evil.test',
      'evil.test\\x',
      'evil test',
      'evil.test\t',
      'a%2fb',
      'evil.test:80/x',
      'evil.test:8o',
      'evil.test:65536',
      'evil.test:123456',
      'a:b:c',
      '[::1',
      '[::1]x',
      '[::1]:x',
      '[not-an-ip]',
      '[v1.future]',
      '[127.0.0.1]',
      'évil.test',
      'a'.repeat(256),
    ]) {
      expect(isValidHost(host), host).toBe(false);
    }
  });
});
