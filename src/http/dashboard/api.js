// Talking to the API: the one fetch wrapper every request goes through, the
// error it throws, what each error means and what to do next, and the paths
// of the account the page shows.

import { state, viewedId } from './state.js';

/**
 * For each API error code: what it means here, and what the person can do
 * next. Every error the page shows has both (see showErrorIn in messages.js).
 */
const HINTS = {
  'Missing authentication': ['No key was sent.', 'Sign in again with an account-owner API key.'],
  'Invalid authentication': [
    'The key is unknown, wrong, disabled, revoked or expired.',
    'Sign in with a working account-owner API key.',
  ],
  FORBIDDEN: [
    'This credential may not do that.',
    'Sign in with an account-owner API key of this account.',
  ],
  IP_NOT_ALLOWED: [
    'The key is right, but it may only be used from other networks (its allowed networks).',
    'Sign in from one of the key’s networks, or with another account-owner key and remove or widen its allowed networks.',
  ],
  API_KEY_NAME_TAKEN: [
    'The account already has a key with that name. Revoked keys keep their names.',
    'Pick another name and create the key again.',
  ],
  API_KEY_REVOKED: [
    'The key is revoked, and revocation cannot be undone.',
    'Create a new key to take its place.',
  ],
  API_KEY_EXPIRED: [
    'The key has expired, and an expired key cannot be rotated.',
    'Use “Change expiry…” on the key to give it an expiry in the future (or none), then rotate it.',
  ],
  API_KEY_NOT_FOUND: [
    'The key is no longer there.',
    'Refresh the list to see the keys as they are now.',
  ],
  VERSION_MISMATCH: [
    'The key was changed elsewhere since the list was loaded, so nothing was changed.',
    'The list has been refreshed: check the key there, then try again.',
  ],
  CONCURRENT_MODIFICATION: [
    'Others kept changing the key at the same time.',
    'Try again.',
  ],
  RATE_LIMIT_EXCEEDED: [
    'Too many failed attempts with a wrong key from here.',
    'Wait, then sign in with a working account-owner key.',
  ],
  SERVICE_UNAVAILABLE: [
    'Keyward cannot reach its database.',
    'Try again in a moment.',
  ],
  INTERNAL_ERROR: [
    'Keyward failed; the cause is in its log.',
    'Try again. If it keeps failing, tell whoever runs Keyward the time it happened.',
  ],
};

/** The next step for a 400 whose message names a value to correct. */
const BAD_VALUE_NEXT = [
  [/^expiresAt must be in the future/, 'Choose a date and time later than now, or none for a key that never expires.'],
  [/^description /, 'Shorten or correct the description, then try again.'],
  [/^rateLimit\.limit /, 'Enter the uses per window as a whole number from 1 to 1,000,000,000, then try again.'],
  [/^rateLimit\.windowSeconds /, 'Enter the window as a whole number of seconds from 1 to 2,592,000 (30 days; 3600 is an hour), then try again.'],
  [/^credits\.remaining /, 'Enter the credit balance as a whole number from 0 to 1,000,000,000,000,000, then try again.'],
  [/^credits\.refill\.amount /, 'Enter the refill amount as a whole number from 1 to 1,000,000,000,000,000, or leave it empty for no refill, then try again.'],
  [/^credits\.refill\.interval /, 'Choose daily or monthly as the refill interval, then try again.'],
  [/^(rateLimit|credits)\b/, 'Correct the limits, then try again.'],
  [/^allowedCidrs/, 'Write each allowed network as an address (203.0.113.7) or a CIDR (10.0.0.0/8, 2001:db8::/32), at most 32, then try again.'],
  [/^externalId /, 'Shorten or correct the external id (1 to 255 characters, no control characters), then try again.'],
  [/^(meta |invalid JSON body: meta)/, 'Correct the meta: one JSON object, at most 4096 bytes, no member named twice. Then try again.'],
];

/** The next step by status, when the message has no entry in HINTS. */
const STATUS_NEXT = {
  400: 'Correct the value, then try again.',
  404: 'Reload the page.',
  405: 'Reload the page.',
  412: 'Refresh the list, then try again.',
  413: 'Shorten what you entered, then try again.',
  415: 'Reload the page, then try again.',
};

/** An error answer of the API, or a problem found before sending anything. */
export class DashboardError extends Error {
  constructor(message, { status = 0, reason = '', detail = '', next = '' } = {}) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.detail = detail;
    this.next = next;
  }
}

/**
 * Calls the native API. Resolves with the parsed JSON body (null for 204);
 * rejects with a DashboardError carrying the body's `message`.
 */
export async function api(method, path, { key = state.key, body, ifMatch } = {}) {
  const headers = new Headers({ accept: 'application/json' });
  if (key) headers.set('x-api-key', key);
  if (ifMatch !== undefined) headers.set('if-match', `"${ifMatch}"`);
  const init = {
    method,
    headers,
    cache: 'no-store',
    credentials: 'omit',
    redirect: 'error',
    referrerPolicy: 'no-referrer',
  };
  if (body !== undefined) {
    headers.set('content-type', 'application/json');
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new DashboardError('Cannot reach Keyward', {
      detail: `The request did not get an answer (${String(cause.message || cause)}).`,
      next: 'Check the network connection and that Keyward is running, then try again.',
    });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (response.ok) return json;
  const message =
    json && typeof json.message === 'string' ? json.message : `HTTP ${response.status}`;
  const reason = json && typeof json.error === 'string' ? json.error : response.statusText;
  const [detail, hinted] = HINTS[message] || ['', ''];
  let next = hinted;
  if (!next && response.status === 400) {
    const found = BAD_VALUE_NEXT.find(([pattern]) => pattern.test(message));
    next = found ? found[1] : '';
  }
  if (!next) next = STATUS_NEXT[response.status] || 'Try again. If it keeps failing, reload the page.';
  const retryAfter = response.headers.get('retry-after');
  let said = detail;
  if (response.status === 429 && key && key === state.key) {
    // The signed-in key works, so it is its own rate limit, not failed sign-ins.
    said = 'The key you are signed in with used up its rate limit for now; its own requests from this page count too.';
    next = retryAfter ? `Wait ${retryAfter} s, then try again.` : 'Wait a moment, then try again.';
  } else if (response.status === 429 && retryAfter) {
    next = `Wait ${retryAfter} s, then sign in with a working account-owner key.`;
  }
  throw new DashboardError(message, { status: response.status, reason, detail: said, next });
}

export const accountPath = (id) => `/api/accounts/${encodeURIComponent(id)}`;
export const keysPath = () => `${accountPath(viewedId())}/api-keys`;
export const keyPath = (name) => `${keysPath()}/${encodeURIComponent(name)}`;
