// The alert queue (#alert-queue), its actions and dialogs, the alert detail
// and the keyboard shortcuts.

import { alertAction, ApiError, get, type AlertAction } from './api';
import { age, dateTime } from './clock';
import { coordsText } from './map';
import { ctx, invalidate, onRender, theaterName } from './ctx';
import { $, el, facts, latin, toast } from './dom';
import { catalogues, lang, t, type MessageKey } from './i18n/index';
import { sortQueue } from './queue';
import { isOpen } from './state';
import { ruleLabel, summaryText } from './summary';
import type { Alert, AlertChange } from './types';

let selected = -1; // alert id
let detailId = -1; // the alert shown in #detail

const ACTION_KEY: Record<AlertAction, MessageKey> = {
  acknowledge: 'action.acknowledge',
  assign: 'action.assign',
  resolve: 'action.resolve',
  dismiss: 'action.dismiss',
};

// actionsFor lists the actions an alert in its state allows.
export function actionsFor(a: Alert): AlertAction[] {
  switch (a.state) {
    case 'new':
      return ['acknowledge', 'assign', 'dismiss'];
    case 'acknowledged':
      return ['assign', 'dismiss'];
    case 'assigned':
      return ['resolve', 'dismiss'];
    default:
      return [];
  }
}

export function actionButtons(a: Alert): HTMLElement {
  const box = el('div', { class: 'actions' });
  if (!ctx.principal?.actions.includes('alert.act')) return box;
  for (const action of actionsFor(a)) {
    const b = el('button', { type: 'button', 'data-action': action, text: t(ACTION_KEY[action]) });
    b.addEventListener('click', (ev) => {
      ev.stopPropagation();
      void startAction(a.id, action);
    });
    box.append(b);
  }
  return box;
}

function currentAlert(id: number): Alert | undefined {
  return ctx.picture.alerts.get(id);
}

// startAction runs an action, asking first for what it needs.
export async function startAction(id: number, action: AlertAction): Promise<void> {
  switch (action) {
    case 'acknowledge':
      return send(id, action, {});
    case 'assign':
      return ask('assign.prompt', 'assign-to', 'assign.confirm', 'assign-confirm', true, (to) => send(id, action, { to }));
    case 'resolve':
      return ask('resolve.note', 'resolve-note', 'action.resolve', 'resolve-confirm', false, (note) => send(id, action, note ? { note } : {}));
    case 'dismiss':
      return ask('dismiss.reason', 'dismiss-reason', 'dismiss.confirm', 'dismiss-confirm', true, (reason) => send(id, action, { reason }));
  }
}

async function send(id: number, action: AlertAction, body: { note?: string; to?: string; reason?: string }): Promise<void> {
  try {
    const a = await alertAction(id, action, body);
    // Show the new state at once; the feed's own message for the change
    // follows and carries the same state.
    if (a && typeof a.id === 'number') {
      ctx.picture.alerts.set(a.id, a);
      invalidate('alerts');
    }
    toast(t('action.done', { action: t(ACTION_KEY[action]), id }));
  } catch (e) {
    const msg = e instanceof ApiError ? e.message : String(e);
    toast(t('action.failed', { action: t(ACTION_KEY[action]), message: msg }), 'error');
  }
}

// ask shows a small dialog with one text input.
function ask(label: MessageKey, inputId: string, confirm: MessageKey, confirmId: string, required: boolean, done: (value: string) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const backdrop = $('dialog-backdrop');
    const dialog = $('dialog');
    const input = el('input', { id: inputId, name: inputId, autocomplete: 'off' });
    const error = el('p', { class: 'error', role: 'alert' });
    const ok = el('button', { type: 'submit', id: confirmId, text: t(confirm) });
    const cancel = el('button', { type: 'button', text: t('cancel') });
    const form = el('form', {}, el('label', {}, el('span', { text: t(label) }), input), error, el('div', { class: 'buttons' }, cancel, ok));
    const close = () => {
      backdrop.hidden = true;
      dialog.replaceChildren();
      resolve();
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = input.value.trim();
      if (required && !v) {
        error.textContent = label === 'dismiss.reason' ? t('dismiss.needReason') : t(label);
        input.focus();
        return;
      }
      backdrop.hidden = true;
      dialog.replaceChildren();
      void done(v).then(resolve);
    });
    cancel.addEventListener('click', close);
    dialog.replaceChildren(form);
    backdrop.hidden = false;
    input.focus();
  });
}

export function dialogOpen(): boolean {
  return !$('dialog-backdrop').hidden;
}

export function closeDialog(): void {
  $('dialog-backdrop').hidden = true;
  $('dialog').replaceChildren();
}

function severityText(a: Alert): string {
  return t(`severity.${a.severity}` as MessageKey);
}

function kindText(kind: string): string {
  const key = `kind.${kind}` as MessageKey;
  return key in catalogues.en ? t(key) : kind;
}

function stateText(a: Alert): string {
  return t(`state.${a.state}` as MessageKey);
}

// Queue items are kept by alert id and rebuilt only when the alert or the
// language changed, so a click is never lost to a redraw.
const items = new Map<number, { li: HTMLLIElement; sig: string; age: HTMLElement }>();

function queueItem(a: Alert): { li: HTMLLIElement; sig: string; age: HTMLElement } {
  const sig = `${lang()}|${a.state}|${a.severity}|${a.updated}|${a.active}|${a.summary}|${ctx.principal?.actions.includes('alert.act') ? 1 : 0}`;
  const old = items.get(a.id);
  if (old && old.sig === sig) return old;
  const ageEl = el('span', { class: 'muted' });
  const li = el(
    'li',
    { 'data-alert-id': a.id, 'data-severity': a.severity, 'data-state': a.state },
    el(
      'div',
      { class: 'row' },
      el('span', { class: 'sev', text: severityText(a) }),
      el('span', { class: 'muted', text: stateText(a) }),
      a.exercise ? el('span', { class: 'tag exercise', text: t('alerts.exercise') }) : null,
      ageEl,
    ),
    el('div', {}, latin(`#${a.id} ${a.sector} ${a.track}`), ' ', el('span', { text: summaryText(a, lang(), theaterName) })),
    actionButtons(a),
  );
  li.addEventListener('click', () => {
    selected = a.id;
    renderQueue();
    focusAlert(a);
  });
  li.addEventListener('dblclick', () => void openDetail(a.id));
  const item = { li, sig, age: ageEl };
  items.set(a.id, item);
  return item;
}

export function renderQueue(): void {
  const ul = $('alert-queue');
  const list = sortQueue(ctx.picture.alerts.values());
  const now = Date.now();
  const l = lang();
  if (selected >= 0 && !ctx.picture.alerts.has(selected)) selected = -1;
  const keep = new Set<number>();
  const want: HTMLLIElement[] = [];
  for (const a of list) {
    const it = queueItem(a);
    keep.add(a.id);
    it.li.classList.toggle('selected', a.id === selected);
    const ageText = age(a.raised, now, l);
    if (it.age.textContent !== ageText) it.age.textContent = ageText;
    want.push(it.li);
  }
  for (const id of [...items.keys()]) if (!keep.has(id)) items.delete(id);
  if (want.length === 0) {
    ul.replaceChildren(el('li', { class: 'muted', text: t('alerts.empty') }));
  } else {
    // Move only what is out of place.
    for (const c of [...ul.children]) if (!want.includes(c as HTMLLIElement)) c.remove();
    want.forEach((li, i) => {
      if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] ?? null);
    });
  }
  const open = list.filter(isOpen).length;
  $('alert-count').textContent = t('alerts.open', { n: new Intl.NumberFormat(l === 'ar' ? 'ar-IQ' : 'en-GB').format(open) });
}

function focusAlert(a: Alert): void {
  const tr = ctx.picture.tracks.get(a.track);
  const lat = tr?.position.lat ?? a.position.lat;
  const lon = tr?.position.lon ?? a.position.lon;
  ctx.map?.select(lat, lon);
  ctx.map?.flyTo(lat, lon, 10);
}

function move(step: number): void {
  const list = sortQueue(ctx.picture.alerts.values());
  if (list.length === 0) return;
  let i = list.findIndex((a) => a.id === selected);
  i = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + step));
  selected = list[i].id;
  renderQueue();
  document.querySelector(`#alert-queue li[data-alert-id="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  focusAlert(list[i]);
}

// openDetail shows an alert with its evidence, history and its track's trail.
export async function openDetail(id: number): Promise<void> {
  detailId = id;
  const box = $('detail');
  const card = el('div', { class: 'card' }, el('p', { text: t('detail.loading') }));
  box.replaceChildren(card);
  box.hidden = false;
  let a = currentAlert(id);
  let history: AlertChange[] = [];
  try {
    const r = await get<{ alert: Alert; history: AlertChange[] }>(`/api/v1/alerts/${id}`);
    a = r.alert;
    history = r.history ?? [];
  } catch (e) {
    toast(e instanceof Error ? e.message : String(e), 'error');
  }
  if (!a) {
    box.hidden = true;
    return;
  }
  const l = lang();
  const closeBtn = el('button', { type: 'button', text: t('close') });
  closeBtn.addEventListener('click', closeDetail);
  const trail = ctx.picture.trails.get(a.track) ?? [];
  const rows: [MessageKey, Node | string][] = [
    ['detail.rule', ruleLabel(a.rule, l)],
    ['detail.severity', severityText(a)],
    ['detail.state', stateText(a)],
    ['detail.track', latin(a.track)],
    ['detail.sector', latin(a.sector)],
    ['detail.position', latin(coordsText(a.position.lat, a.position.lon))],
    ['detail.raised', dateTime(a.raised, l)],
    ['detail.updated', dateTime(a.updated, l)],
  ];
  if (a.predicted_crossing) rows.push(['detail.predicted', dateTime(a.predicted_crossing, l)]);
  const evidence = (a.evidence ?? []).map((ev) => el('li', {}, latin(ev.sensor), ' ', dateTime(ev.time, l)));
  const hist = history.map((h) => el('li', {}, dateTime(h.at, l), ' ', el('strong', { text: kindText(h.kind) }), h.by ? ' ' : '', h.by ? latin(h.by) : ''));
  const trailItems = trail.map((p) => el('li', {}, dateTime(p.time, l), ' ', latin(coordsText(p.lat, p.lon))));
  card.replaceChildren(
    el('h2', {}, t('detail.title', { id: a.id }), ' ', a.exercise ? el('span', { class: 'tag exercise', text: t('alerts.exercise') }) : ''),
    el('p', { text: summaryText(a, l, theaterName) }),
    facts(rows),
    actionButtons(a),
    el('h3', { text: t('detail.evidence') }),
    evidence.length ? el('ul', {}, ...evidence) : el('p', { class: 'muted', text: t('detail.noEvidence') }),
    el('h3', { text: t('detail.history') }),
    el('ul', {}, ...hist),
    el('h3', { text: t('detail.trail') }),
    el('ul', {}, ...trailItems),
    el('h3', { text: t('detail.units') }),
    el('p', { class: 'placeholder', text: t('detail.unitsNotYet') }),
    el('div', { class: 'buttons' }, closeBtn),
  );
  focusAlert(a);
}

// refreshDetail redraws the open alert detail, after a language change.
export function refreshDetail(): void {
  if (detailId >= 0 && !$('detail').hidden) void openDetail(detailId);
}

export function closeDetail(): void {
  detailId = -1;
  $('detail').hidden = true;
  $('detail').replaceChildren();
}

function typing(target: EventTarget | null): boolean {
  const e = target as HTMLElement | null;
  if (!e) return false;
  return e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA' || e.isContentEditable;
}

export function installKeys(): void {
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      if (dialogOpen()) closeDialog();
      else if (!$('help').hidden) $('help').hidden = true;
      else if (!$('detail').hidden) closeDetail();
      else ctx.map?.closePopup();
      return;
    }
    if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey || dialogOpen()) return;
    if ($('app').hidden) return;
    const a = selected >= 0 ? currentAlert(selected) : undefined;
    switch (ev.key) {
      case 'j':
        move(1);
        break;
      case 'k':
        move(-1);
        break;
      case 'a':
        if (a && actionsFor(a).includes('acknowledge')) void startAction(a.id, 'acknowledge');
        break;
      case 'r':
        if (a && actionsFor(a).includes('resolve')) void startAction(a.id, 'resolve');
        break;
      case 'd':
        if (a && actionsFor(a).includes('dismiss')) void startAction(a.id, 'dismiss');
        break;
      case 'Enter':
        if (a) void openDetail(a.id);
        break;
      case '?':
        $('help').hidden = false;
        break;
      default:
        return;
    }
    ev.preventDefault();
  });
  $('help-close').addEventListener('click', () => {
    $('help').hidden = true;
  });
  $('help-button').addEventListener('click', () => {
    $('help').hidden = false;
  });
  onRender('alerts', renderQueue);
  // Ages in the queue move on.
  setInterval(() => invalidate('alerts'), 30000);
}
