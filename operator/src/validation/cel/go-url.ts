// The part of Go's net/url (url.ParseRequestURI, URL.Hostname) that Kubernetes' CEL functions
// isURL(), url() and getHostname() rest on, for the strings whose answer is certain. Everything
// between the two certain classes is Unsupported: Go's parser has corners (opaque URLs, userinfo,
// IPv6 zones, escapes) that a second implementation would only approximate.
import { Unsupported } from './unsupported.ts';

/** Accepted by ParseRequestURI for sure: http(s), a plain host, an optional port, plain path and query. */
const PLAIN_HTTP_URL = /^https?:\/\/([A-Za-z0-9._~-]*)(:[0-9]*)?([/?][A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?$/;

/** ParseRequestURI rejects control characters and the empty string. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Without a scheme (letters first, then letters, digits, `+`, `-`, `.`, then `:`), ParseRequestURI
 * accepts only an absolute path or `*`.
 */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function rejectedForSure(s: string): boolean {
  return s === '' || CONTROL_CHARACTER.test(s) || (!SCHEME.test(s) && !s.startsWith('/') && s !== '*');
}

/** isURL(s): url.ParseRequestURI(s) succeeds. */
export function isGoRequestURI(s: string): boolean {
  if (PLAIN_HTTP_URL.test(s)) return true;
  if (rejectedForSure(s)) return false;
  throw new Unsupported(`isURL('${s}'): Go's net/url decides this string`);
}

/** url(s).getHostname(): the host without port; an error when s is not a URL. */
export function goURLHostname(s: string): string {
  const plain = PLAIN_HTTP_URL.exec(s);
  if (plain) return plain[1]!;
  if (rejectedForSure(s)) throw new Error(`URL parse error during conversion from string: ${s}`);
  throw new Unsupported(`url('${s}'): Go's net/url decides this string`);
}
