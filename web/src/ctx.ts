// What the parts of the page share: the live picture, the replay picture
// when one is shown, the theater and the sensors, and a render scheduler.

import type { Feature, FeatureCollection } from 'geojson';

import { lang } from './i18n/index';
import type { MapView } from './map';
import { Picture } from './state';
import type { Alert, Principal, Sector, Sensor, TrailPoint, Track } from './types';

export interface ReplayView {
  at: Date;
  tracks: Map<string, Track>;
  trails: Map<string, TrailPoint[]>;
  alerts: Map<number, Alert>;
}

export const ctx = {
  principal: null as Principal | null,
  picture: new Picture(),
  replay: null as ReplayView | null,
  map: null as MapView | null,
  theater: { type: 'FeatureCollection', features: [] } as FeatureCollection,
  places: [] as Feature[],
  provinces: [] as Feature[],
  sectors: [] as Sector[],
  sensors: new Map<string, Sensor>(),
  // camera id → sector id, from the theater
  cameraSector: new Map<string, string>(),
  selectedSector: '',
  selectedTrack: '',
};

// theaterName gives the name of a theater feature (zone, crossing, …) by
// id in the current language.
let namesFor: FeatureCollection | null = null;
let names = new Map<string, { name?: string; name_ar?: string }>();

export function theaterName(id: string): string | undefined {
  if (namesFor !== ctx.theater) {
    namesFor = ctx.theater;
    names = new Map();
    for (const f of ctx.theater.features) {
      const p = f.properties ?? {};
      if (p.id && (p.name || p.name_ar) && p.layer !== 'sectors') names.set(String(p.id), { name: p.name, name_ar: p.name_ar });
    }
  }
  const n = names.get(id);
  if (!n) return undefined;
  return (lang() === 'ar' && n.name_ar) || n.name;
}

// shown returns what the map and lists show: the replay snapshot while in
// replay, the live picture otherwise.
export function shown(): { tracks: Map<string, Track>; trails: Map<string, TrailPoint[]>; alerts: Map<number, Alert> } {
  if (ctx.replay) return ctx.replay;
  return ctx.picture;
}

type Part = 'tracks' | 'alerts' | 'panels' | 'all';
const listeners = new Map<Part, (() => void)[]>();
const dirty = new Set<Part>();
let scheduled = false;
let lastTracks = 0;

export function onRender(part: Part, fn: () => void): void {
  const l = listeners.get(part) ?? [];
  l.push(fn);
  listeners.set(part, l);
}

// invalidate asks for a redraw of a part; tracks are drawn at most twice a
// second, alerts at once.
export function invalidate(part: Part): void {
  if (part === 'all') {
    dirty.add('tracks').add('alerts').add('panels');
  } else {
    dirty.add(part);
  }
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(flush);
}

function flush(): void {
  scheduled = false;
  const now = performance.now();
  const parts = [...dirty];
  dirty.clear();
  for (const p of parts) {
    if (p === 'tracks' && now - lastTracks < 500) {
      dirty.add(p);
      continue;
    }
    if (p === 'tracks') lastTracks = now;
    for (const fn of listeners.get(p) ?? []) fn();
  }
  if (dirty.size > 0 && !scheduled) {
    scheduled = true;
    setTimeout(() => requestAnimationFrame(flush), 100);
  }
}
