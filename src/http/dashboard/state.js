// The page's shared state: the one object every module reads and changes,
// where the key is kept, and which account the page shows.

export const STORAGE_KEY = 'keyward.apiKey';

export const state = {
  /** The key the page signs requests with; null when logged out. */
  key: null,
  /** The answer of GET /api/me. */
  me: null,
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
};

/** The account the page shows, whose keys every key action acts on. */
export const viewed = () => (state.path.length > 0 ? state.path[state.path.length - 1] : null);
export const viewedId = () => (viewed() ? viewed().id : state.me.accountId);
/** Whether the page shows the signed-in key's own account. */
export const atOwnAccount = () => state.me !== null && viewedId() === state.me.accountId;
