// Usage: a key's uses (its authentications and verifies) in a dialog, drawn
// as a bar chart in inline SVG, with no library: the last 24 hours by hour
// or the last 30 days by day. Each bar is a bucket, its valid uses below its
// refused ones; its title says the bucket's time and counts by outcome.

import { api, keyPath } from './api.js';
import { busy, fail } from './messages.js';
import { $, el } from './dom.js';
import { signedIn } from './state.js';
import { refocus } from './key-table.js';

const SVG = 'http://www.w3.org/2000/svg';

/** What each range asks for, and how the page names it. */
const RANGES = {
  hour: { query: 'granularity=hour', label: 'the last 24 hours' },
  day: { query: 'granularity=day', label: 'the last 30 days' },
};

/**
 * The key whose usage the dialog shows, the range shown, and a counter
 * that lets a late answer for a dialog closed or switched meanwhile be
 * ignored.
 */
const shown = { name: null, granularity: 'hour', serial: 0 };

const numberFormat = new Intl.NumberFormat();
const count = (n) => numberFormat.format(n);
// Buckets are UTC hours and days, so they are named in UTC too.
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const hourFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});
const dayTick = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** An SVG element with attributes and children (text only, never markup). */
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const uses = (n) => `${count(n)} ${n === 1 ? 'use' : 'uses'}`;

/** `VALID 4, DISABLED 1`, valid first. */
function byOutcome(outcomes) {
  const entries = Object.entries(outcomes || {}).filter(([, n]) => Number.isFinite(n));
  entries.sort(([a], [b]) => (a === 'VALID' ? -1 : b === 'VALID' ? 1 : a.localeCompare(b)));
  return entries;
}

/** When a bucket is, in words: `1 Dec 2026, 10:00 to 11:00 UTC`, or the day. */
function bucketTime(start, granularity) {
  const from = new Date(start);
  if (Number.isNaN(from.getTime())) return String(start);
  if (granularity === 'day') return `${dayFormat.format(from)} (UTC)`;
  const to = new Date(from.getTime() + 3_600_000);
  return `${dayFormat.format(from)}, ${hourFormat.format(from)} to ${hourFormat.format(to)} UTC`;
}

function tickLabel(start, granularity) {
  const at = new Date(start);
  if (Number.isNaN(at.getTime())) return '';
  return granularity === 'day' ? dayTick.format(at) : hourFormat.format(at);
}

/** The chart: one bar per bucket, scaled to the busiest bucket. */
function chart(usage) {
  const buckets = Array.isArray(usage.buckets) ? usage.buckets : [];
  const granularity = usage.granularity;
  const width = 720;
  const height = 220;
  const left = 44;
  const right = 8;
  const top = 10;
  const bottom = 26;
  const plot = height - top - bottom;
  const most = Math.max(1, ...buckets.map((bucket) => Number(bucket.total) || 0));
  const slot = (width - left - right) / Math.max(1, buckets.length);
  const scale = (n) => (plot * n) / most;
  const total = Number(usage.total) || 0;
  const chartSvg = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'usage-chart',
    role: 'img',
    'aria-label': `Bar chart: ${uses(total)} in ${RANGES[granularity]?.label || 'the range'}, by ${granularity}`,
    'data-testid': 'usage-chart',
  });
  // The axis: zero and the busiest bucket's count.
  chartSvg.append(
    svg('line', { x1: left, y1: top + plot, x2: width - right, y2: top + plot, class: 'axis' }),
    svg('line', { x1: left, y1: top, x2: width - right, y2: top, class: 'grid' }),
    svg('text', { x: left - 6, y: top + plot, class: 'tick tick-y' }, '0'),
    svg('text', { x: left - 6, y: top + 8, class: 'tick tick-y' }, count(most)),
  );
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((bucket, i) => {
    const x = left + i * slot;
    const barWidth = Math.max(1, slot * 0.78);
    const bucketTotal = Number(bucket.total) || 0;
    const valid = Number(bucket.outcomes?.VALID) || 0;
    const refused = Math.max(0, bucketTotal - valid);
    const counts = byOutcome(bucket.outcomes).map(([code, n]) => `${code} ${count(n)}`);
    const title = `${bucketTime(bucket.start, granularity)}: ${uses(bucketTotal)}` +
      (counts.length > 0 ? ` (${counts.join(', ')})` : '');
    const bar = svg(
      'g',
      { class: 'bar', 'data-testid': 'usage-bar', 'data-start': bucket.start, 'data-total': bucketTotal },
      svg('title', {}, title),
      // The whole column answers the pointer, also over an empty bucket.
      svg('rect', { x, y: top, width: slot, height: plot, class: 'bar-hit' }),
    );
    if (valid > 0) {
      bar.append(svg('rect', {
        x, y: top + plot - scale(valid), width: barWidth, height: scale(valid), class: 'bar-valid',
      }));
    }
    if (refused > 0) {
      bar.append(svg('rect', {
        x, y: top + plot - scale(bucketTotal), width: barWidth, height: scale(refused), class: 'bar-refused',
      }));
    }
    chartSvg.append(bar);
    if (i % every === 0) {
      chartSvg.append(svg('text', { x: x + barWidth / 2, y: height - 8, class: 'tick tick-x' },
        tickLabel(bucket.start, granularity)));
    }
  });
  return chartSvg;
}

/** The totals by outcome, as a list beside the chart. */
function outcomeList(usage) {
  const list = el('dl', { className: 'usage-outcomes', 'data-testid': 'usage-outcomes' });
  for (const [code, n] of byOutcome(usage.outcomes)) {
    list.append(
      el('dt', {}, el('span', { className: `swatch ${code === 'VALID' ? 'swatch-valid' : 'swatch-refused'}` }), code),
      el('dd', { 'data-outcome': code }, count(n)),
    );
  }
  return list;
}

function draw(usage) {
  const total = Number(usage.total) || 0;
  $('usage-total').textContent = count(total);
  $('usage-unit').textContent = total === 1 ? 'use' : 'uses';
  $('usage-range').textContent = RANGES[usage.granularity]?.label || '';
  $('usage-body').replaceChildren(chart(usage), outcomeList(usage));
  for (const [granularity] of Object.entries(RANGES)) {
    $(`usage-${granularity}`).setAttribute('aria-pressed', String(granularity === usage.granularity));
  }
}

/** Fetches and draws the shown key's usage; false if it was abandoned. */
async function load() {
  const serial = shown.serial;
  const usage = await api('GET', `${keyPath(shown.name)}/usage?${RANGES[shown.granularity].query}`);
  if (serial !== shown.serial || !usage) return false;
  draw(usage);
  return true;
}

export async function showUsage(key, button) {
  shown.serial += 1;
  shown.name = key.name;
  shown.granularity = 'hour';
  $('usage-name').textContent = key.name;
  // The first answer comes before the dialog opens, so that a failure is
  // reported in the alert, which a modal dialog would cover.
  await busy(button, async () => {
    if ((await load()) === false) return;
    const dialog = $('usage-dialog');
    dialog.addEventListener(
      'close',
      () => {
        shown.serial += 1;
        $('usage-body').replaceChildren();
        if (signedIn()) refocus(key.name, 'usage');
      },
      { once: true },
    );
    dialog.showModal();
    $('usage-title').focus();
  });
}

/** Fetches the shown key's usage again, by `granularity`, from `button`. */
async function redraw(button, granularity) {
  shown.granularity = granularity;
  shown.serial += 1;
  button.disabled = true;
  try {
    await load();
  } catch (error) {
    $('usage-dialog').close();
    fail(error);
  } finally {
    button.disabled = false;
  }
}

/** A range button: by hour over a day, or by day over a month. */
export function onUsageRange(event) {
  const button = event.target.closest('button[data-range]');
  if (button && RANGES[button.dataset.range]) redraw(button, button.dataset.range);
}

/** Refresh: the same range, with the uses since. */
export function onUsageRefresh(event) {
  redraw(event.currentTarget, shown.granularity);
}
