// TRUST_PROXY names the proxies whose X-Forwarded-For gives a caller's address (the failed-authentication
// and rate limits count by it). "true" would let any caller pick its own address, so it is refused.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseTrustProxy, trustProxyWarning } from '../../src/config/index.ts';

describe('TRUST_PROXY', () => {
  it('is off unless set', () => {
    for (const raw of [undefined, '', '  ', 'false', 'FALSE']) {
      expect(parseTrustProxy(raw)).toEqual({ ok: true, value: false });
    }
    const config = loadConfig({});
    expect(config.ok && config.value.trustProxy).toBe(false);
  });

  it('takes a number of hops, or addresses, networks and the names Express knows', () => {
    expect(parseTrustProxy('1')).toEqual({ ok: true, value: 1 });
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,fd00::/8, 192.0.2.1 , ::1')).toEqual({ ok: true, value: ['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1', '::1'] });
    expect(parseTrustProxy('Uniquelocal,linklocal')).toEqual({ ok: true, value: ['uniquelocal', 'linklocal'] });
    const config = loadConfig({ TRUST_PROXY: '10.1.2.3' });
    expect(config.ok && config.value.trustProxy).toEqual(['10.1.2.3']);
  });

  it('refuses "true", impossible hop counts and entries that are not addresses, naming the variable', () => {
    for (const raw of ['true', 'True', '0', '11', 'proxy.example', '10.0.0.0/33', '::/129', '10.0.0.1/8/1', '10.0.0.0/x', 'loopback,*', '0.0.0.0/0', '::/0', '1.2.3.4/0', '0.0.0.0/1,128.0.0.0/1', '10.0.0.0/7', '::ffff:0:0/96', '::/8', '0:0::/16']) {
      const parsed = parseTrustProxy(raw);
      expect(parsed.ok, raw).toBe(false);
      const config = loadConfig({ TRUST_PROXY: raw });
      expect(config.ok, raw).toBe(false);
      expect(!config.ok && config.errors.join('\n'), raw).toMatch(/TRUST_PROXY/);
    }
  });
});

// Security review 2, finding 2: with TRUST_PROXY=uniquelocal a caller inside 10.0.0.0/8 forged X-Forwarded-For,
// escaped the failed-authentication limit and got the EHR's address throttled. Such a setting is allowed (callers
// may reach the service from those networks only through the proxy) but is now said at start-up.
describe('TRUST_PROXY start-up warning', () => {
  const warningFor = (raw: string): string | undefined => {
    const parsed = parseTrustProxy(raw);
    if (!parsed.ok) throw new Error(parsed.error);
    return trustProxyWarning(parsed.value);
  };

  it('warns for whole networks and the named private ranges', () => {
    expect(warningFor('10.0.0.0/8')).toMatch(/whole networks \(10\.0\.0\.0\/8\).*X-Forwarded-For/);
    expect(warningFor('uniquelocal')).toContain('uniquelocal');
    expect(warningFor('10.1.2.3, fd00::/8')).toContain('fd00::/8');
  });

  it('is among the configuration warnings, logged once at start-up (by the primary in a cluster)', () => {
    const result = loadConfig({ TRUST_PROXY: 'uniquelocal' });
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.some((w) => w.includes('TRUST_PROXY trusts whole networks'))).toBe(true);
    const single = loadConfig({ TRUST_PROXY: '10.1.2.3' });
    expect(single.ok && single.warnings.some((w) => w.includes('TRUST_PROXY'))).toBe(false);
  });

  it('is silent for a hop count, the proxies own addresses and loopback', () => {
    for (const raw of ['', '1', '10.1.2.3', '10.1.2.3/32', '::1', 'loopback', '10.1.2.3, 10.1.2.4']) {
      expect(warningFor(raw), raw).toBeUndefined();
    }
  });
});

describe('AUTH_FAILURE_LIMIT_PER_MINUTE', () => {
  it('defaults to 600 refusals per address and minute, 0 turns it off, and a bad value is an error', () => {
    const fallback = loadConfig({});
    expect(fallback.ok && fallback.value.authFailureLimitPerMinute).toBe(600);
    const off = loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: '0' });
    expect(off.ok && off.value.authFailureLimitPerMinute).toBe(0);
    for (const bad of ['-1', '1.5', 'lots']) {
      const result = loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: bad });
      expect(!result.ok && result.errors.join('\n'), bad).toMatch(/AUTH_FAILURE_LIMIT_PER_MINUTE/);
    }
  });
});
