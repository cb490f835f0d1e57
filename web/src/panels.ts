// Side panels: the sector panel, the track list, the camera list, the
// search box, and the popups of tracks and theater features on the map.

import type { Feature, Polygon } from 'geojson';

import { actionButtons } from './alerts-ui';
import { baghdadHM, dateTime, num } from './clock';
import { parseCoords } from './coords';
import { ctx, invalidate, onRender, shown, theaterName } from './ctx';
import { $, el, facts, latin } from './dom';
import { lang, t, type MessageKey } from './i18n/index';
import { layers, readLayers, saveLayers, trackShown } from './layers';
import { coordsText } from './map';
import { sortQueue } from './queue';
import { sidcFor } from './sidc';
import { isOpen } from './state';
import { summaryText } from './summary';
import { symbolURL } from './symbols';
import type { Alert, Track } from './types';

const MAX_LIST = 150;

function name(p: Record<string, unknown>): string {
  const ar = lang() === 'ar' && typeof p.name_ar === 'string' ? p.name_ar : '';
  return ar || String(p.name ?? p.id ?? '');
}

function openByTrack(alerts: Map<number, Alert>): Map<string, Alert[]> {
  const m = new Map<string, Alert[]>();
  for (const a of alerts.values()) {
    if (!isOpen(a)) continue;
    for (const id of [a.track, ...(a.members ?? [])]) {
      const l = m.get(id);
      if (l) l.push(a);
      else m.set(id, [a]);
    }
  }
  return m;
}

// trackOrder: tracks with open alerts first, then people and vehicles
// nearest the border, animals last.
function trackOrder(open: Map<string, Alert[]>) {
  return (a: Track, b: Track) => {
    const oa = open.has(a.id) ? 0 : 1;
    const ob = open.has(b.id) ? 0 : 1;
    if (oa !== ob) return oa - ob;
    const ca = a.class === 'animal' ? 1 : 0;
    const cb = b.class === 'animal' ? 1 : 0;
    if (ca !== cb) return ca - cb;
    return Math.abs(a.distance_m) - Math.abs(b.distance_m);
  };
}

export function renderTracks(): void {
  const view = shown();
  const open = openByTrack(view.alerts);
  let list = [...view.tracks.values()];
  if (!layers.animals) list = list.filter((tr) => trackShown(tr, open, false));
  ctx.map?.showTracks(list, view.trails, open, (iso) => baghdadHM(new Date(iso), lang()));
  if (ctx.selectedSector) list = list.filter((tr) => tr.sector === ctx.selectedSector);
  list.sort(trackOrder(open));
  $('track-count').textContent = num(list.length, lang());
  const items = list.slice(0, MAX_LIST).map((tr) => {
    const sidc = sidcFor(tr, open.get(tr.id));
    const li = el(
      'li',
      { 'data-track-id': tr.id, tabindex: 0 },
      el('img', { class: 'symbol', src: symbolURL(sidc), 'data-sidc': sidc, alt: '' }),
      latin(tr.id),
      el('span', { class: 'muted', text: `${t(`class.${tr.class}` as MessageKey) ?? tr.class}${tr.count > 1 ? ` ×${num(tr.count, lang())}` : ''}` }),
      tr.exercise ? el('span', { class: 'tag exercise', text: t('alerts.exercise') }) : null,
      el('span', { class: 'muted', text: tr.sector }),
    );
    li.addEventListener('click', () => showTrack(tr.id));
    li.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') showTrack(tr.id);
    });
    return li;
  });
  $('track-list').replaceChildren(...items);
  if (items.length === 0) $('track-list').append(el('li', { class: 'muted', text: t('tracks.none') }));
  renderSector();
}

// trackCard describes one track, with its open alerts and their actions.
export function trackCard(tr: Track, alerts: Alert[]): HTMLElement {
  const l = lang();
  const open = alerts.filter(isOpen);
  const sidc = sidcFor(tr, open);
  const rows: [MessageKey, Node | string][] = [
    ['detail.position', latin(coordsText(tr.position.lat, tr.position.lon))],
    ['track.class', `${t(`class.${tr.class}` as MessageKey) ?? tr.class}${tr.friendly ? ` (${t('track.friendly')})` : ''}`],
    ['track.count', num(tr.count, l)],
    ['track.speed', t('unit.mps', { n: num(tr.speed_mps, l, 1) })],
    ['track.course', t('unit.deg', { n: num(tr.course_deg, l) })],
    ['track.side', t(`side.${tr.side}` as MessageKey) ?? tr.side],
    ['track.distance', t('unit.m', { n: num(tr.distance_m, l) })],
    ['detail.sector', latin(tr.sector)],
    ['track.lastSeen', dateTime(tr.last_seen, l)],
    ['track.sensors', latin(tr.sensors.join(', '))],
  ];
  if (tr.unit) rows.push(['track.unit', latin(tr.unit)]);
  if (tr.predicted) rows.push(['detail.predicted', `${dateTime(tr.predicted.time, l)} — ${coordsText(tr.predicted.lat, tr.predicted.lon)}`]);
  const box = el(
    'div',
    { class: 'popup' },
    el('h4', {}, el('img', { class: 'symbol', src: symbolURL(sidc), 'data-sidc': sidc, alt: '' }), ' ', t('track.title', { id: tr.id }), ' ', tr.exercise ? el('span', { class: 'tag exercise', text: t('alerts.exercise') }) : ''),
    facts(rows),
  );
  for (const a of sortQueue(open)) {
    box.append(
      el('div', { 'data-alert-id': a.id, 'data-severity': a.severity, 'data-state': a.state }, el('strong', { text: `#${a.id} ${t(`severity.${a.severity}` as MessageKey)}` }), ' ', summaryText(a, l, theaterName)),
      actionButtons(a),
    );
  }
  return box;
}

export function showTrack(id: string, lngLat?: { lng: number; lat: number }): void {
  const view = shown();
  const tr = view.tracks.get(id);
  if (!tr || !ctx.map) return;
  ctx.selectedTrack = id;
  const alerts = [...view.alerts.values()].filter((a) => a.track === id || a.members?.includes(id));
  const at = lngLat ?? { lng: tr.position.lon, lat: tr.position.lat };
  if (!lngLat) ctx.map.flyTo(tr.position.lat, tr.position.lon, 11);
  ctx.map.select(tr.position.lat, tr.position.lon);
  ctx.map.openPopup(at, trackCard(tr, alerts));
}

export function showFeature(p: Record<string, unknown>, lngLat: { lng: number; lat: number }): void {
  const l = lang();
  const rows: [MessageKey, Node | string][] = [['detail.position', latin(coordsText(lngLat.lat, lngLat.lng))]];
  if (p.sector) rows.push(['detail.sector', latin(String(p.sector))]);
  const sensor = ctx.sensors.get(String(p.id));
  if (sensor) rows.push(['detail.state', t(`health.${sensor.health}` as MessageKey) ?? sensor.health]);
  if (p.status) rows.push(['detail.state', String(p.status)]);
  const box = el('div', { class: 'popup' }, el('h4', {}, latin(String(p.id ?? '')), ' ', p.name ? name(p) : ''), facts(rows));
  if (sensor?.last_seen) box.append(el('p', { class: 'muted', text: dateTime(sensor.last_seen, l) }));
  ctx.map?.openPopup(lngLat, box);
}

// Sector panel.

export function fillSectorPicker(): void {
  const pick = $('sector-pick') as HTMLSelectElement;
  const v = pick.value;
  pick.replaceChildren(el('option', { value: '', text: t('sector.pick') }), ...ctx.sectors.map((s) => el('option', { value: s.id, text: `${s.id} — ${lang() === 'ar' && s.name_ar ? s.name_ar : s.name}` })));
  pick.value = v;
}

function sectorCameras(id: string): { up: number; total: number; list: string[] } {
  const list: string[] = [];
  for (const [cam, sec] of ctx.cameraSector) if (sec === id) list.push(cam);
  list.sort();
  const up = list.filter((c) => (ctx.sensors.get(c)?.health ?? 'ok') === 'ok').length;
  return { up, total: list.length, list };
}

export function renderSector(): void {
  const id = ctx.selectedSector;
  const box = $('sector-panel');
  if (!id) {
    box.replaceChildren();
    renderCameras();
    return;
  }
  const s = ctx.sectors.find((x) => x.id === id);
  const view = shown();
  const l = lang();
  const cams = sectorCameras(id);
  const tracks = [...view.tracks.values()].filter((tr) => tr.sector === id).length;
  const alerts = [...ctx.picture.alerts.values()].filter((a) => a.sector === id && isOpen(a)).length;
  box.replaceChildren(
    facts([
      ['sector.cameras', `${num(cams.up, l)} / ${num(cams.total, l)}`],
      ['sector.tracks', num(tracks, l)],
      ['sector.alerts', num(alerts, l)],
      ['sector.threat', s?.threat ? t(`threat.${s.threat}` as MessageKey) : ''],
    ]),
  );
  renderCameras();
}

function renderCameras(): void {
  const l = lang();
  let ids: string[];
  if (ctx.selectedSector) {
    ids = sectorCameras(ctx.selectedSector).list;
  } else {
    // Without a sector, the cameras that are not healthy.
    ids = [...ctx.cameraSector.keys()].filter((c) => (ctx.sensors.get(c)?.health ?? 'ok') !== 'ok').sort();
  }
  const items = ids.slice(0, 200).map((c) => {
    const s = ctx.sensors.get(c);
    const health = s?.health ?? 'unknown';
    const li = el(
      'li',
      { 'data-camera-id': c, 'data-health': health },
      el('span', { class: `health ${health}` }),
      latin(c),
      el('span', { class: 'muted', text: t(`health.${health}` as MessageKey) ?? health }),
      s?.since ? el('span', { class: 'muted', text: dateTime(s.since, l) }) : null,
    );
    li.addEventListener('click', () => {
      const f = ctx.theater.features.find((x) => x.properties?.layer === 'cameras' && x.properties?.id === c);
      if (f && f.geometry.type === 'Point') ctx.map?.flyTo(f.geometry.coordinates[1], f.geometry.coordinates[0], 12);
    });
    return li;
  });
  $('camera-list').replaceChildren(...items);
}

export function pickSector(id: string): void {
  ctx.selectedSector = id;
  ($('sector-pick') as HTMLSelectElement).value = id;
  const f = ctx.theater.features.find((x) => x.properties?.layer === 'sectors' && x.properties?.id === id);
  if (f && f.geometry.type === 'Polygon') {
    const ring = (f.geometry as Polygon).coordinates[0];
    const lons = ring.map((p) => p[0]);
    const lats = ring.map((p) => p[1]);
    ctx.map?.map.fitBounds(
      [
        [Math.min(...lons), Math.min(...lats)],
        [Math.max(...lons), Math.max(...lats)],
      ],
      { padding: 40 },
    );
  }
  invalidate('tracks');
}

// Search.

interface Hit {
  label: string;
  lat: number;
  lon: number;
  open?: () => void;
}

function pointOf(f: Feature): [number, number] | null {
  const g = f.geometry;
  if (!g) return null;
  if (g.type === 'Point') return [g.coordinates[1], g.coordinates[0]];
  if (g.type === 'Polygon') {
    const r = g.coordinates[0];
    return [r.reduce((s, p) => s + p[1], 0) / r.length, r.reduce((s, p) => s + p[0], 0) / r.length];
  }
  if (g.type === 'LineString') {
    const p = g.coordinates[Math.floor(g.coordinates.length / 2)];
    return [p[1], p[0]];
  }
  return null;
}

export function search(text: string): Hit[] {
  const q = text.trim().toLowerCase();
  if (!q) return [];
  const hits: Hit[] = [];
  const c = parseCoords(text);
  if (c) hits.push({ label: t('search.coords', { text: coordsText(c.lat, c.lon) }), lat: c.lat, lon: c.lon });
  const view = shown();
  for (const tr of view.tracks.values()) {
    if (tr.id.toLowerCase().includes(q)) hits.push({ label: `${tr.id} (${tr.sector})`, lat: tr.position.lat, lon: tr.position.lon, open: () => showTrack(tr.id) });
    if (hits.length > 30) break;
  }
  for (const a of ctx.picture.alerts.values()) {
    if (String(a.id) === q.replace(/^#/, '')) hits.push({ label: `#${a.id} ${summaryText(a, lang(), theaterName)}`, lat: a.position.lat, lon: a.position.lon });
  }
  for (const s of ctx.sectors) {
    if (s.id.toLowerCase() === q || s.name.toLowerCase().includes(q) || (s.name_ar ?? '').includes(text.trim())) {
      const f = ctx.theater.features.find((x) => x.properties?.layer === 'sectors' && x.properties?.id === s.id);
      const p = f ? pointOf(f) : null;
      if (p) hits.push({ label: `${s.id} — ${lang() === 'ar' && s.name_ar ? s.name_ar : s.name}`, lat: p[0], lon: p[1], open: () => pickSector(s.id) });
    }
  }
  for (const f of ctx.theater.features) {
    const p = f.properties ?? {};
    if (p.layer === 'sectors' || p.layer === 'sector_lines' || p.layer === 'border') continue;
    const id = String(p.id ?? '').toLowerCase();
    const nm = String(p.name ?? '').toLowerCase();
    const nmAr = String(p.name_ar ?? '');
    if (id === q || (q.length >= 3 && (id.includes(q) || nm.includes(q))) || (nmAr && nmAr.includes(text.trim()))) {
      const pt = pointOf(f);
      if (pt) hits.push({ label: `${p.id} ${p.name ? name(p) : ''}`, lat: pt[0], lon: pt[1] });
    }
    if (hits.length > 40) break;
  }
  if (q.length >= 2) {
    for (const f of ctx.places) {
      const p = f.properties ?? {};
      const nm = String(p.name_en ?? p.name ?? '');
      const nmAr = String(p.name_ar ?? '');
      if (nm.toLowerCase().includes(q) || String(p.nameascii ?? '').toLowerCase().includes(q) || (nmAr && nmAr.includes(text.trim()))) {
        const pt = pointOf(f);
        if (pt) hits.push({ label: lang() === 'ar' && nmAr ? nmAr : nm, lat: pt[0], lon: pt[1] });
      }
    }
  }
  return hits.slice(0, 40);
}

export function installSearch(): void {
  const input = $('search') as HTMLInputElement;
  const results = $('search-results');
  let hits: Hit[] = [];
  const go = (h: Hit) => {
    results.hidden = true;
    ctx.map?.flyTo(h.lat, h.lon, 10);
    ctx.map?.select(h.lat, h.lon);
    h.open?.();
  };
  const render = () => {
    hits = search(input.value);
    results.replaceChildren(
      ...(hits.length
        ? hits.map((h, i) => {
            const li = el('li', { 'data-index': i, text: h.label });
            li.addEventListener('mousedown', (ev) => {
              ev.preventDefault();
              go(h);
            });
            return li;
          })
        : [el('li', { class: 'muted', text: t('search.none') })]),
    );
    results.hidden = input.value.trim() === '';
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && hits.length) {
      ev.preventDefault();
      go(hits[0]);
    } else if (ev.key === 'Escape') {
      results.hidden = true;
    }
  });
  input.addEventListener('blur', () => setTimeout(() => (results.hidden = true), 150));
  input.addEventListener('focus', () => {
    if (input.value.trim()) render();
  });
}

// installLayerToggles wires #show-animals and #show-cameras.
function installLayerToggles(): void {
  readLayers(localStorage);
  const animals = $('show-animals') as HTMLInputElement;
  const cameras = $('show-cameras') as HTMLInputElement;
  animals.checked = layers.animals;
  cameras.checked = layers.cameras;
  animals.addEventListener('change', () => {
    layers.animals = animals.checked;
    saveLayers(localStorage);
    invalidate('tracks');
  });
  cameras.addEventListener('change', () => {
    layers.cameras = cameras.checked;
    saveLayers(localStorage);
    ctx.map?.showCameras(layers.cameras);
  });
}

export function installPanels(): void {
  installLayerToggles();
  ($('sector-pick') as HTMLSelectElement).addEventListener('change', (ev) => pickSector((ev.target as HTMLSelectElement).value));
  onRender('tracks', renderTracks);
  onRender('panels', () => {
    fillSectorPicker();
    renderSector();
  });
  installSearch();
}
