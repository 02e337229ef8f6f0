/**
 * Base and webhook URLs from the environment or the config file. Only `http:` and `https:`: the SDKs would
 * otherwise fail on `file:` or `data:` at the first request, counted as a provider's network failure.
 *
 * Link-local and cloud-metadata addresses are refused unless the operator allows them
 * (`SWITCHYARD_ALLOW_LINK_LOCAL_URLS=true` or `server.allowLinkLocalUrls: true`): a gateway sends its provider
 * keys to its base URLs, and 169.254.169.254 answers with the host's cloud credentials. Only the URL's literal
 * host is checked (the WHATWG parser normalises `0xa9fea9fe` and `[::ffff:169.254.169.254]` first); a DNS
 * name that resolves to such an address is not caught here.
 */
import { ConfigError } from './config-error.ts';

const METADATA_HOSTS = new Set([
  'metadata', // GCE's short name
  'metadata.google.internal',
  'metadata.goog',
  '100.100.100.200', // Alibaba Cloud
  '[fd00:ec2::254]', // AWS IMDS over IPv6
]);

export function checkUrl(value: string, field: string, allowLinkLocal: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${field}: not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${field}: must be an http: or https: URL`);
  }
  if (!allowLinkLocal && isLinkLocalOrMetadata(url.hostname)) {
    throw new ConfigError(
      `${field}: points at a link-local or cloud-metadata address; set SWITCHYARD_ALLOW_LINK_LOCAL_URLS=true if that is intended`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** `hostname` as URL gives it: lowercase, IPv4 in dotted form, IPv6 in brackets and compressed. */
export function isLinkLocalOrMetadata(hostname: string): boolean {
  const host = hostname.replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return true;
  if (/^169\.254\.\d+\.\d+$/.test(host)) return true;
  if (!host.startsWith('[')) return false;
  const v6 = host.slice(1, -1);
  if (/^fe[89ab][0-9a-f]:/.test(v6)) return true; // fe80::/10
  // IPv4-mapped (::ffff:a9fe:xxxx is ::ffff:169.254.x.x after the parser's normalisation)
  return /^::ffff:a9fe:[0-9a-f]{1,4}$/.test(v6);
}
