// The page's shared state: the one object every module reads and changes,
// who is signed in (a key, or a person by the session cookie), and which
// account the page shows.

export const STORAGE_KEY = 'keyward.apiKey';

export const state = {
  /** The key the page signs requests with; null unless signed in with a key. */
  key: null,
  /** The answer of GET /api/me for that key; null unless signed in with a key. */
  me: null,
  /**
   * The person signed in with email and password (GET /api/me's `user`);
   * null otherwise. Their session is the HttpOnly cookie, which the page
   * never sees.
   */
  user: null,
  /** That person's memberships (GET /api/me's `memberships`), for the account switcher. */
  memberships: [],
  /**
   * That session's CSRF token: kept in memory only (a reload asks GET
   * /api/me for it again), sent as x-csrf-token with every state-changing
   * request made with the cookie, never with x-api-key requests.
   */
  csrf: null,
  /** Names of people by user id, from memberships lists, for `crn::user:…` actors. */
  people: new Map(),
  /** The last list of keys, oldest first. */
  keys: [],
  /**
   * The key whose history the history dialog shows, the page key of its next
   * (older) page, and a counter that lets a late answer for a dialog that
   * was closed or reopened meanwhile be ignored.
   */
  history: { name: null, pageKey: null, serial: 0 },
  /** Where focus goes when the secret panel is dismissed (see showSecret in secrets.js). */
  secretReturn: null,
  /**
   * The key the edit dialog changes, as it was when the dialog opened (or
   * last refreshed), the button that opened it, and the field values the
   * dialog started with (`limits` for the rate limit and credits fields),
   * to send only what the person changed.
   */
  edit: null,
  /** Counts list loads, so that only the latest answer is drawn. */
  loads: 0,
  /** The timer that reloads the list when the next key expires. */
  expiryTimer: null,
  /**
   * The accounts from the signed-in key's own one (first) down to the one
   * the page shows (last), as GET /api/accounts/{id} answered. Every key
   * action acts on the last; the page never goes above the first.
   */
  path: [],
  /** The loaded child accounts of the shown account, oldest first. */
  children: [],
  /** The pageKey of the next page of children; null when all are loaded. */
  childrenNext: null,
  /** Counts account switches and child list loads, so that only the latest is drawn. */
  views: 0,
  /**
   * The shown account's members and pending invitations, the pageKey of
   * their next pages (null when all are loaded), and a counter so that only
   * the latest load is drawn.
   */
  members: [],
  membersNext: null,
  invitations: [],
  invitationsNext: null,
  memberLoads: 0,
};

/** Whether anyone is signed in: a key, or a person with the session cookie. */
export const signedIn = () => state.key !== null || state.user !== null;

/** The account the page shows, whose keys every key action acts on. */
export const viewed = () => (state.path.length > 0 ? state.path[state.path.length - 1] : null);
export const viewedId = () => (viewed() ? viewed().id : state.me ? state.me.accountId : null);
/**
 * Whether the page shows the top of its path: the signed-in key's own
 * account, or the account of the person's membership the switcher chose.
 */
export const atOwnAccount = () => state.path.length > 0 && viewedId() === state.path[0].id;
/** Whether `key` (a listed key of the shown account) is the key the page is signed in with. */
export const isOwnKey = (key) => state.me !== null && atOwnAccount() && key.name === state.me.name;
