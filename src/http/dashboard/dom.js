// Small DOM helpers: finding elements, building them (text only, never
// markup), times, who made a change, badges and confirm dialogs.

import { state, viewedId } from './state.js';

export const $ = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`dashboard: #${id} is missing`);
  return found;
};

export const timeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
// The same, in two parts that the table can put on two lines.
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function timeElement(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('time', { datetime: iso, title: iso }, iso);
  return el(
    'time',
    { datetime: iso, title: iso },
    el('span', { className: 'date' }, dateFormat.format(date)),
    ' ',
    el('span', { className: 'clock' }, clockFormat.format(date)),
  );
}

/**
 * `crn:{account}:api-key:owner` -> `owner` for the shown account's keys,
 * `owner (Account name)` for a key of another account on the path (a parent
 * that manages this one), `owner (account {id})` for others; the full CRN
 * stays in the title.
 */
export function crnLabel(crn) {
  if (!state.me || typeof crn !== 'string') return String(crn);
  const match = /^crn:([^:]+):(.*)$/.exec(crn);
  if (!match) return crn;
  const [, accountId, rest] = match;
  let what = null;
  if (rest.startsWith('api-key:')) what = rest.slice(8);
  else if (rest === 'cli:keyward') what = 'keyward CLI';
  if (what === null) return crn;
  if (accountId === viewedId()) return what;
  const known = state.path.find((account) => account.id === accountId);
  if (known) return `${what} (${known.name})`;
  // Above the signed-in key's own account, which this key cannot read.
  const top = state.path[0];
  if (top && accountId === top.parentAccountId) return `${what} (parent account)`;
  return `${what} (account ${accountId})`;
}

export function audit(crn, at) {
  return el(
    'span',
    { className: 'audit' },
    el('span', { className: 'who', title: crn }, crnLabel(crn)),
    el('span', { className: 'when' }, timeElement(at)),
  );
}

export function badge(text, tone) {
  return el('span', { className: `badge badge-${tone}` }, text);
}

/** A time, or `never` for null (expiry, last use). */
export function timeOrNever(iso) {
  return iso ? timeElement(iso) : el('span', { className: 'never' }, 'never');
}

/** Opens a modal dialog; resolves true only when its confirm button closed it. */
export function confirmWith(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
      once: true,
    });
    dialog.showModal();
  });
}
