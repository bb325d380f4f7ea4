import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

// Where a webhook may send: http(s) URLs whose host is a public address. Checked when a webhook
// is created or changed, and again at each delivery, inside the request's own DNS lookup, so the
// address checked is the one connected to (a name that resolved to a public address yesterday
// may resolve to 127.0.0.1 today).

const blocked = new BlockList();
// IPv4: "this network", private (RFC 1918), loopback, link-local (with the cloud metadata
// 169.254.169.254), CGNAT, benchmarking, multicast and reserved, broadcast.
blocked.addSubnet("0.0.0.0", 8, "ipv4");
blocked.addSubnet("10.0.0.0", 8, "ipv4");
blocked.addSubnet("100.64.0.0", 10, "ipv4");
blocked.addSubnet("127.0.0.0", 8, "ipv4");
blocked.addSubnet("169.254.0.0", 16, "ipv4");
blocked.addSubnet("172.16.0.0", 12, "ipv4");
blocked.addSubnet("192.0.0.0", 24, "ipv4");
blocked.addSubnet("192.168.0.0", 16, "ipv4");
blocked.addSubnet("198.18.0.0", 15, "ipv4");
blocked.addSubnet("224.0.0.0", 3, "ipv4");
// IPv6: unspecified, loopback, unique local (fc00::/7, with AWS's metadata fd00:ec2::254),
// link-local, multicast.
blocked.addAddress("::", "ipv6");
blocked.addAddress("::1", "ipv6");
blocked.addSubnet("fc00::", 7, "ipv6");
blocked.addSubnet("fe80::", 10, "ipv6");
blocked.addSubnet("ff00::", 8, "ipv6");

/** The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1] as string;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** Whether an IP address (v4 or v6) is one a webhook may not reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  if (v4 !== null) return blocked.check(v4, "ipv4");
  return blocked.check(address, "ipv6");
}

export class AddressRefused extends Error {}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** A problem with the URL's form (not http(s), credentials in it), or null. */
export function urlFormProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL";
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  if (hostOf(url) === "") return "must name a host";
  return null;
}

function allAddresses(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });
}

/**
 * Why the URL's host may not receive deliveries (it resolves to a forbidden address, or does not
 * resolve), or null when it may. Every address of the name must be public.
 */
export async function hostProblem(url: URL, allowPrivate: boolean): Promise<string | null> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await allAddresses(host)).map((entry) => entry.address);
    } catch {
      return `its host ${host} does not resolve`;
    }
  }
  if (allowPrivate) return null;
  const bad = addresses.find(isForbiddenAddress);
  return bad === undefined
    ? null
    : `its host resolves to ${bad}, a loopback, private, link-local or metadata address`;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that refuses names resolving to a forbidden address: the
 * connection is made to the address checked here, nothing else resolves in between.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupAllOptions | object, callback: LookupCallback) => {
    const wantsAll = (options as { all?: boolean }).all === true;
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, wantsAll ? [] : "");
      const bad = allowPrivate ? undefined : addresses.find((a) => isForbiddenAddress(a.address));
      if (bad !== undefined) {
        const refused = new AddressRefused(
          `${hostname} resolves to ${bad.address}, a loopback, private, link-local or metadata address`,
        );
        return callback(refused, wantsAll ? [] : "");
      }
      const first = addresses[0];
      if (wantsAll) return callback(null, addresses);
      if (!first) return callback(new Error(`${hostname} has no address`), "");
      callback(null, first.address, first.family);
    });
  };
}
