// Talking to the API: the one fetch wrapper every request goes through, the
// error it throws, what each error means and what to do next, and the paths
// of the account the page shows.

import { state, viewedId } from './state.js';

/**
 * For each API error code: what it means here, and what the person can do
 * next. Every error the page shows has both (see showErrorIn in messages.js).
 */
const HINTS = {
  'Missing authentication': [
    'No key was sent, and there is no signed-in session.',
    'Sign in again, with your email and password or an account-owner API key.',
  ],
  'Invalid authentication': [
    'The key is unknown, wrong, disabled, revoked or expired.',
    'Sign in with a working account-owner API key.',
  ],
  FORBIDDEN: [
    'This credential may not do that.',
    'Sign in as an owner of this account: a member with the account-owner role, or with its account-owner API key.',
  ],
  INVALID_EMAIL_OR_PASSWORD: [
    'No one has that email address with that password.',
    'Check both and sign in again. An invited person signs in once the invitation was accepted.',
  ],
  TOO_MANY_FAILED_SIGN_INS: [
    'Too many failed sign-ins for this email address, or from here.',
    'Wait, then sign in again.',
  ],
  HTTPS_REQUIRED: [
    'Keyward accepts passwords only over HTTPS (or from this machine).',
    'Open the dashboard by its https:// address, then sign in again.',
  ],
  CSRF_TOKEN_INVALID: [
    'The page’s copy of the session’s anti-forgery token does not match the session, so nothing was changed.',
    'Reload the page, then try again.',
  ],
  ORIGIN_NOT_ALLOWED: [
    'The request came from another origin than Keyward’s own, so nothing was changed.',
    'Open the dashboard at Keyward’s own address, then try again.',
  ],
  PASSWORD_TOO_SHORT: [
    'A password needs at least 12 characters.',
    'Choose a longer one: a phrase of a few words is easiest to remember.',
  ],
  PASSWORD_TOO_LONG: [
    'A password may have at most 256 characters.',
    'Choose a shorter one.',
  ],
  PASSWORD_TOO_COMMON: [
    'That password is on the list of common passwords, or it is your email address.',
    'Choose one that is not: a phrase of a few unrelated words works well.',
  ],
  CURRENT_PASSWORD_INCORRECT: [
    'The current password is not right, so nothing was changed.',
    'Type the password you signed in with, then try again.',
  ],
  INVITATION_NOT_FOUND: [
    'The invitation is unknown, used, withdrawn or expired.',
    'Refresh the invitations, or invite the person again.',
  ],
  MEMBERSHIP_NOT_FOUND: [
    'That person is not a member of this account (any more).',
    'Refresh the members to see them as they are now.',
  ],
  MEMBERSHIP_EXISTS: [
    'The person with that email address is already a member of this account.',
    'Check the members list; to give them another role, remove them and invite them again.',
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
  [/^email\b/, 'Enter one email address, such as ana@example.com, then try again.'],
  [/^role\b/, 'Choose account-owner or merchant-terminal, then try again.'],
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

/** Methods that change nothing, which need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Calls the native API. Resolves with the parsed JSON body (null for 204);
 * rejects with a DashboardError carrying the body's `message`.
 *
 * With a key (the signed-in one unless `key` says otherwise) the request
 * carries it in x-api-key and no cookie. Without one (`key: null`, or a
 * person signed in) it carries the session cookie, and a state-changing
 * request the session's CSRF token in x-csrf-token.
 */
export async function api(method, path, { key = state.key, body, ifMatch } = {}) {
  const headers = new Headers({ accept: 'application/json' });
  if (key) headers.set('x-api-key', key);
  else if (state.csrf && !SAFE_METHODS.has(method)) headers.set('x-csrf-token', state.csrf);
  if (ifMatch !== undefined) headers.set('if-match', `"${ifMatch}"`);
  const init = {
    method,
    headers,
    cache: 'no-store',
    credentials: key ? 'omit' : 'same-origin',
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
  } else if (response.status === 429 && retryAfter && message === 'TOO_MANY_FAILED_SIGN_INS') {
    next = `Wait ${retryAfter} s, then sign in again.`;
  } else if (response.status === 429 && retryAfter) {
    next = `Wait ${retryAfter} s, then sign in with a working account-owner key.`;
  }
  throw new DashboardError(message, { status: response.status, reason, detail: said, next });
}

export const accountPath = (id) => `/api/accounts/${encodeURIComponent(id)}`;
export const keysPath = () => `${accountPath(viewedId())}/api-keys`;
export const keyPath = (name) => `${keysPath()}/${encodeURIComponent(name)}`;
export const membershipsPath = (id) => `${accountPath(id)}/memberships`;
export const invitationsPath = (id) => `${accountPath(id)}/invitations`;
