import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export class WebhookUrlError extends Error {}

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (e, addresses) => (e ? reject(e) : resolve(addresses))));

/**
 * Only globally routable unicast addresses are webhook targets. ipaddr.js names every special
 * range (loopback, private, linkLocal incl. 169.254.169.254, uniqueLocal, unspecified, multicast,
 * carrierGradeNat, 6to4, teredo, ...); IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/**
 * Parses and checks a webhook URL. The WHATWG parser already normalises numeric IPv4 forms
 * (2130706433, 0x7f000001, 017700000001) to dotted quads, so the address checks see them.
 */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('webhook_url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlError('webhook_url must use https');
  if (url.protocol === 'http:' && !policy.allowHttp) throw new WebhookUrlError('webhook_url must use https (set WEBHOOK_ALLOW_HTTP=true to allow http)');
  if (url.username || url.password) throw new WebhookUrlError('webhook_url must not contain credentials');
  const host = literalHost(url);
  if (!policy.allowPrivateNetworks) {
    if (isIP(host) && !isPublicAddress(host)) throw new WebhookUrlError(`webhook_url points to a non-public address (${host})`);
    if (/^localhost$|\.localhost$/i.test(host)) throw new WebhookUrlError('webhook_url points to localhost');
  }
  return url;
}

/** Hostname without IPv6 brackets. */
export function literalHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Resolves the host once and returns the address to connect to; every resolved address must be
 * public, so a name with one private record among public ones is refused too.
 */
export async function resolveTarget(url: URL, policy: UrlPolicy, resolver: Resolver): Promise<{ address: string; family: number }> {
  const host = literalHost(url);
  if (isIP(host)) {
    if (!policy.allowPrivateNetworks && !isPublicAddress(host)) throw new WebhookUrlError(`webhook_url points to a non-public address (${host})`);
    return { address: host, family: isIP(host) };
  }
  let addresses;
  try {
    addresses = await resolver(host);
  } catch (e) {
    throw new WebhookUrlError(`webhook_url host ${host} could not be resolved (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`webhook_url host ${host} has no addresses`);
  if (!policy.allowPrivateNetworks) {
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked) throw new WebhookUrlError(`webhook_url host ${host} resolves to a non-public address (${blocked.address})`);
  }
  return addresses[0];
}

/** Submit-time check: syntax, scheme and (unless private networks are allowed) DNS. */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy, resolver: Resolver): Promise<URL> {
  const url = parseWebhookUrl(raw, policy);
  if (!policy.allowPrivateNetworks) await resolveTarget(url, policy, resolver);
  return url;
}
