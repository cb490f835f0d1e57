// The page: sign-in, language and theme, and the common operating picture
// wired together: map, feed, alert queue, panels and time bar.

import type { Feature, FeatureCollection } from 'geojson';

import { installKeys, refreshDetail, renderQueue } from './alerts-ui';
import { ApiError, changePassword, get, me, signIn, signOut } from './api';
import { formatLatLon, formatMGRS } from './coords';
import { ctx, invalidate } from './ctx';
import { $, applyStatic, toast } from './dom';
import { Feed } from './feed';
import { isLang, lang, setLang, t, type Lang } from './i18n/index';
import { layers } from './layers';
import { MapView, type Label } from './map';
import type { Theme } from './mapstyle';
import { installPanels, pickSector, showFeature, showTrack } from './panels';
import { alarm, armSound } from './sound';
import { installTimebar, renderClocks } from './timebar';
import type { Principal, Sector, Sensor, SnapshotMsg, Track, Alert } from './types';

const LANG_KEY = 'raqib.lang';
const THEME_KEY = 'raqib.theme';
const SENSOR_REFRESH_MS = 30000;
const POLL_MS = 5000;

let feed: Feed | null = null;
let feedOpened = false;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let sensorTimer: ReturnType<typeof setInterval> | undefined;

function storedLang(): Lang {
  const v = localStorage.getItem(LANG_KEY);
  return isLang(v) ? v : 'en';
}

// The feed's last state, shown in #feed-status (and redrawn in a new
// language).
let feedState: { state: 'connecting' | 'open' | 'down'; retry: number } | null = null;

function renderFeedStatus(): void {
  const s = $('feed-status');
  if (!feedState) {
    s.textContent = '';
    return;
  }
  const { state, retry } = feedState;
  s.classList.toggle('down', state === 'down');
  s.textContent = state === 'open' ? t('feed.live') : state === 'down' ? t('feed.down', { s: retry }) : t('feed.connecting');
  s.title = s.textContent;
}

function applyLang(l: Lang): void {
  setLang(l);
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l;
  document.documentElement.dir = l === 'ar' ? 'rtl' : 'ltr';
  ($('lang') as HTMLSelectElement).value = l;
  document.title = t('app.title');
  applyStatic();
  renderClocks();
  renderFeedStatus();
  if (ctx.principal) $('whoami').textContent = t('user.signedIn', { user: ctx.principal.user });
  if (ctx.map) setLabels();
  // Open cards were written in the old language.
  ctx.map?.closePopup();
  refreshDetail();
  invalidate('all');
}

function applyTheme(th: Theme): void {
  document.documentElement.dataset.theme = th;
  localStorage.setItem(THEME_KEY, th);
  ctx.map?.setTheme(th);
}

function theme(): Theme {
  return document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
}

function show(view: 'signin' | 'password' | 'app'): void {
  $('signin-view').hidden = view !== 'signin';
  $('password-view').hidden = view !== 'password';
  $('app').hidden = view !== 'app';
  $('signout').hidden = view === 'signin';
  ($('search') as HTMLInputElement).disabled = view !== 'app';
  ($('replay-slider') as HTMLInputElement).disabled = view !== 'app';
}

async function enter(p: Principal): Promise<void> {
  ctx.principal = p;
  $('whoami').textContent = t('user.signedIn', { user: p.user });
  if (p.must_change) {
    show('password');
    (document.querySelector('#password-change input[name=current]') as HTMLInputElement).focus();
    return;
  }
  show('app');
  await startApp();
}

function installSignIn(): void {
  const form = $('signin') as HTMLFormElement;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    $('signin-error').textContent = '';
    try {
      const p = await signIn(String(data.get('username') ?? ''), String(data.get('password') ?? ''));
      form.reset();
      await enter(p);
    } catch (e) {
      $('signin-error').textContent = t('signin.failed', { message: e instanceof Error ? e.message : String(e) });
    }
  });
  const pw = $('password-change') as HTMLFormElement;
  pw.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(pw);
    $('password-error').textContent = '';
    try {
      await changePassword(String(data.get('current') ?? ''), String(data.get('new') ?? ''));
      pw.reset();
      await enter(await me());
    } catch (e) {
      $('password-error').textContent = e instanceof Error ? e.message : String(e);
    }
  });
  $('signout').addEventListener('click', async () => {
    try {
      await signOut();
    } catch {
      // the session may already be gone
    }
    stopApp();
    ctx.principal = null;
    show('signin');
  });
}

function stopApp(): void {
  feed?.stop();
  feed = null;
  clearInterval(pollTimer);
  clearInterval(sensorTimer);
  pollTimer = undefined;
}

async function loadJSON(path: string): Promise<FeatureCollection> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as FeatureCollection;
}

function setLabels(): void {
  const labels: Label[] = [];
  const ar = lang() === 'ar';
  for (const f of ctx.places) {
    if (f.geometry?.type !== 'Point') continue;
    const p = f.properties ?? {};
    const rank = Number(p.scalerank ?? 10);
    labels.push({ lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], text: String((ar && p.name_ar) || p.name_en || p.name), cls: 'town', minZoom: rank <= 4 ? 0 : rank <= 7 ? 6.5 : 8 });
  }
  for (const f of ctx.provinces) {
    if (f.geometry?.type !== 'Point') continue;
    labels.push({ lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], text: String((ar && f.properties?.name_ar) || f.properties?.name || ''), cls: 'province', minZoom: 7.5 });
  }
  for (const f of ctx.theater.features) {
    const p = f.properties ?? {};
    const nm = String((ar && p.name_ar) || p.name || p.id);
    if (p.layer === 'sectors' && f.geometry.type === 'Polygon') {
      const r = f.geometry.coordinates[0];
      const lat = r.reduce((s, c) => s + c[1], 0) / r.length;
      const lon = r.reduce((s, c) => s + c[0], 0) / r.length;
      labels.push({ lat, lon, text: `${p.id} ${nm}`, cls: 'sector', minZoom: 7 });
    }
    if (p.layer === 'crossings' && f.geometry.type === 'Point') {
      labels.push({ lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], text: nm, cls: `crossing ${String(p.status)}`, minZoom: 0 });
    }
  }
  ctx.map?.setLabels(labels);
}

async function loadSensors(): Promise<void> {
  try {
    const r = await get<{ sensors: Sensor[] }>('/api/v1/sensors');
    ctx.sensors = new Map(r.sensors.map((s) => [s.id, s]));
    // Cameras coloured by health.
    for (const f of ctx.theater.features) {
      if (f.properties?.layer === 'cameras') f.properties.health = ctx.sensors.get(String(f.properties.id))?.health ?? 'unknown';
    }
    ctx.map?.setData('theater', ctx.theater);
    invalidate('panels');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut();
  }
}

function signedOut(): void {
  stopApp();
  ctx.principal = null;
  show('signin');
}

// poll reads the picture over REST while the feed is not connected, so the
// map is never blank when the feed is down.
async function poll(): Promise<void> {
  if (feedOpened) return;
  try {
    const [tr, al] = await Promise.all([get<{ tracks: Track[] }>('/api/v1/tracks'), get<{ alerts: Alert[] }>('/api/v1/alerts?limit=200')]);
    if (feedOpened) return;
    const msg: SnapshotMsg = { type: 'snapshot', seq: -1, time: new Date().toISOString(), tracks: tr.tracks ?? [], alerts: al.alerts ?? [] };
    ctx.picture.apply(msg);
    invalidate('all');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signedOut();
  }
}

async function startApp(): Promise<void> {
  if (!ctx.map) {
    ctx.map = new MapView($('map'), theme(), {
      trackClicked: (id, lngLat) => showTrack(id, lngLat),
      featureClicked: (p, lngLat) => showFeature(p, lngLat),
      cursor: (lat, lon) => {
        const c = $('cursor-coords');
        delete c.dataset.i18n;
        c.textContent = `${formatMGRS(lat, lon)}  |  ${formatLatLon(lat, lon)}`;
      },
    });
  }
  const map = ctx.map;
  await map.whenLoaded();
  const [countries, lakes, rivers, places, provinces, theater, sectors] = await Promise.all([
    loadJSON('basemap/countries.geojson'),
    loadJSON('basemap/lakes.geojson'),
    loadJSON('basemap/rivers_lake_centerlines.geojson'),
    loadJSON('basemap/populated_places.geojson'),
    loadJSON('basemap/admin_1_label_points.geojson'),
    get<FeatureCollection>('/api/v1/theater'),
    get<{ sectors: Sector[] }>('/api/v1/sectors'),
  ]);
  map.setData('countries', countries);
  map.setData('lakes', lakes);
  map.setData('rivers', rivers);
  ctx.places = places.features as Feature[];
  ctx.provinces = provinces.features as Feature[];
  ctx.theater = theater;
  ctx.sectors = sectors.sectors;
  ctx.cameraSector = new Map(theater.features.filter((f) => f.properties?.layer === 'cameras').map((f) => [String(f.properties?.id), String(f.properties?.sector)]));
  map.setData('theater', theater);
  map.showCameras(layers.cameras);
  setLabels();
  await loadSensors();
  clearInterval(sensorTimer);
  sensorTimer = setInterval(() => void loadSensors(), SENSOR_REFRESH_MS);

  feedOpened = false;
  feed?.stop();
  feed = new Feed(ctx.picture, {
    applied: (msg, r) => {
      if (r.kind !== 'ok') return;
      if (r.tracks) invalidate('tracks');
      if (r.alerts) {
        invalidate('alerts');
        invalidate('tracks');
        invalidate('panels');
      }
      if (msg.type === 'alert' && msg.kind === 'raised' && msg.alert.severity === 'critical') alarm();
    },
    status: (state, retry) => {
      feedState = { state, retry: retry ?? 0 };
      renderFeedStatus();
      if (state === 'open') {
        feedOpened = true;
        clearInterval(pollTimer);
        pollTimer = undefined;
      } else if (state === 'down') {
        feedOpened = false;
        if (!pollTimer) {
          void poll();
          pollTimer = setInterval(() => void poll(), POLL_MS);
        }
      }
    },
    closedByServer: (message) => {
      toast(t('feed.error', { message }), 'error');
      void me().catch(() => signedOut());
    },
  });
  feed.start();
  renderQueue();
  invalidate('all');
}

async function boot(): Promise<void> {
  const th = localStorage.getItem(THEME_KEY) === 'light' ? 'light' : 'dark';
  applyTheme(th);
  applyLang(storedLang());
  ($('lang') as HTMLSelectElement).addEventListener('change', (ev) => {
    const v = (ev.target as HTMLSelectElement).value;
    if (isLang(v)) applyLang(v);
  });
  $('theme').addEventListener('click', () => applyTheme(theme() === 'dark' ? 'light' : 'dark'));
  installSignIn();
  installKeys();
  installPanels();
  installTimebar();
  armSound();
  // Sector from the address (#S04) for a sector operations room display.
  const hash = location.hash.slice(1);
  try {
    await enter(await me());
    if (/^S\d{2}$/.test(hash)) pickSector(hash);
  } catch {
    show('signin');
    (document.querySelector('#signin input[name=username]') as HTMLInputElement).focus();
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void boot());
else void boot();
