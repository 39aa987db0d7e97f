/**
 * `TRUST_PROXY`: which proxies in front of the service may report a caller's address (X-Forwarded-For).
 * The address is what the failed-authentication limit and, with auth off, the rate limit count by; without
 * it, every caller behind a proxy shares the proxy's address.
 *
 * Accepted: unset or `false` (the connection's address, the default); a number of proxy hops to trust
 * (`1`: the one proxy in front); or a comma-separated list of the proxies' addresses and networks (IPv4 or
 * IPv6, with an optional `/prefix`) and the names Express knows (`loopback`, `linklocal`, `uniquelocal`).
 * `true` (trust every hop) is refused: the left-most X-Forwarded-For entry is whatever the caller wrote, so
 * any caller could choose its address and escape the limits.
 */
import { isIP } from 'node:net';

/** A value for Express's `trust proxy` setting. */
export type TrustProxy = false | number | readonly string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function entryProblem(entry: string): string | undefined {
  if (NAMED.has(entry)) {
    return undefined;
  }
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return `"${entry}" is not an IP address, a network (address/prefix) or one of ${[...NAMED].join(', ')}`;
  }
  if (prefix !== undefined) {
    const bits = Number(prefix);
    const max = family === 4 ? 32 : 128;
    // A proxy network wider than a /8 trusts addresses no proxy has (0.0.0.0/0, or 0.0.0.0/1 with
    // 128.0.0.0/1, is `true` by another name); a /0 also stops Express at start-up.
    if (!/^\d+$/.test(prefix) || bits < 8 || bits > max) {
      return `"${entry}" has a prefix that is not a whole number from 8 to ${max} (a wider proxy network would trust addresses no proxy has)`;
    }
    // An IPv6 network starting with a zero group and wider than a /104 holds IPv4 addresses in IPv6 form
    // (::ffff:0:0/96) beyond a /8 of them: every IPv4 caller of a dual-stack listener.
    if (family === 6 && bits < 104 && /^0*:/.test(address.startsWith('::') ? '0:' : address)) {
      return `"${entry}" would trust IPv4 addresses written in IPv6 form; name the IPv4 proxies themselves`;
    }
  }
  return undefined;
}

/**
 * @param raw - The variable's value.
 * @returns The setting, or a readable error.
 */
export function parseTrustProxy(raw: string | undefined): { ok: true; value: TrustProxy } | { ok: false; error: string } {
  const text = raw?.trim() ?? '';
  if (text === '' || text.toLowerCase() === 'false') {
    return { ok: true, value: false };
  }
  if (text.toLowerCase() === 'true') {
    return {
      ok: false,
      error: 'TRUST_PROXY=true is refused: a caller could choose its own address with X-Forwarded-For; name the proxies (addresses or networks) or the number of hops',
    };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 10 ? { ok: true, value: hops } : { ok: false, error: `TRUST_PROXY as a number of hops must be from 1 to 10 (got "${text}")` };
  }
  const entries = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const problems = entries.map(entryProblem).filter((p) => p !== undefined);
  if (problems.length > 0) {
    return { ok: false, error: `TRUST_PROXY: ${problems.join('; ')}` };
  }
  return { ok: true, value: entries };
}

/**
 * A warning for a setting that trusts whole networks rather than the proxies themselves: every host in a trusted
 * network can write any X-Forwarded-For, so a caller inside it can escape the per-client limits or have another
 * client throttled. Right only where no caller reaches the service from inside such a network except through
 * the proxy; said at start-up so the operator checks.
 * @param value - The parsed setting.
 * @returns The warning, or undefined for a hop count, single addresses and `loopback`.
 */
export function trustProxyWarning(value: TrustProxy): string | undefined {
  if (value === false || typeof value === 'number') return undefined;
  const wide = value.filter((entry) => {
    if (entry === 'linklocal' || entry === 'uniquelocal') return true;
    const [address = '', prefix] = entry.split('/');
    return prefix !== undefined && Number(prefix) < (isIP(address) === 4 ? 32 : 128);
  });
  return wide.length === 0
    ? undefined
    : `TRUST_PROXY trusts whole networks (${wide.join(', ')}): any host in them can choose the address it is counted by (X-Forwarded-For), escaping the per-client limits or getting another client throttled. Name the proxies' own addresses unless callers reach the service from these networks only through the proxy`;
}
