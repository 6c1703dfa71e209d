// Secrets shown once: the panels for a new key's secret and a new session
// token, copying them, and removing them from the page when dismissed.

import { state } from './state.js';
import { notify } from './messages.js';
import { $ } from './dom.js';

export function showOnce(panel, valueId, headingId) {
  panel.hidden = false;
  panel.scrollIntoView({ block: 'nearest' });
  $(headingId).focus();
  return $(valueId);
}

export function hideOnce(panel, valueId) {
  $(valueId).textContent = '';
  panel.hidden = true;
}

function selectText(node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

export async function copy(valueId, what) {
  const node = $(valueId);
  const text = node.textContent;
  if (!text) return;
  try {
    if (!window.isSecureContext || !navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    notify(`The ${what} is copied to the clipboard.`);
  } catch {
    // Plain-HTTP pages and denied permissions have no clipboard API:
    // select the text so Ctrl+C / Cmd+C copies it.
    node.focus();
    selectText(node);
    notify(`The ${what} is selected: press Ctrl+C (or Cmd+C) to copy it.`);
  }
}

/**
 * Shows a key's new secret once; `kind` heads the panel. Dismissing the
 * panel puts focus back on `returnTo` (a row action), else on the create form.
 */
export function showSecret(kind, key, note, returnTo = null) {
  state.secretReturn =
    typeof returnTo === 'function' ? { focus: returnTo } : returnTo ? { name: key.name, action: returnTo } : null;
  $('secret-kind').textContent = kind;
  $('secret-name').textContent = key.name;
  $('secret-value').textContent = key.secret;
  $('secret-note').textContent = note || '';
  $('secret-note').hidden = !note;
  showOnce($('secret-panel'), 'secret-value', 'secret-title');
}
