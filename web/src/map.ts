// The map: MapLibre with the offline style, the basemap and theater data,
// HTML labels, the tracks layer and its trails and predicted paths.

import { Map as MapLibre, Marker, NavigationControl, Popup, ScaleControl, setWorkerUrl, type GeoJSONSource, type MapLayerMouseEvent } from 'maplibre-gl';

import type { Feature, FeatureCollection } from 'geojson';

import { formatLatLon, formatMGRS } from './coords';
import { BORDER_LAYER, buildStyle, themePaint, TRACK_LAYER, type Theme } from './mapstyle';
import { sidcFor, affiliation } from './sidc';
import { symbolImage } from './symbols';
import type { Alert, TrailPoint, Track } from './types';

export interface MapCallbacks {
  trackClicked(id: string, lngLat: { lng: number; lat: number }): void;
  featureClicked(props: Record<string, unknown>, lngLat: { lng: number; lat: number }): void;
  cursor(lat: number, lon: number): void;
}

export interface Label {
  lat: number;
  lon: number;
  text: string;
  cls: string;
  minZoom: number;
}

const AFFILIATION_COLOR: Record<string, string> = {
  friendly: '#58a6ff',
  hostile: '#ff4d4f',
  suspect: '#ff8c1a',
  neutral: '#3fb950',
  unknown: '#e3c200',
};

const CAMERA_LAYERS = ['theater-cameras', 'theater-cameras-down'];

// Label priorities for decluttering, lowest placed first.
const PREDICTED_PRIORITY = 1;

function labelPriority(cls: string): number {
  if (cls.includes('crossing')) return 0;
  if (cls.includes('sector')) return 2;
  if (cls.includes('town')) return 3;
  return 4;
}

// Tracks drawn after the others, so the ones that matter stay on top.
const RANK: Record<string, number> = { neutral: 0, unknown: 1, friendly: 2, suspect: 3, hostile: 4 };

export class MapView {
  readonly map: MapLibre;
  private labels: { marker: Marker; minZoom: number; shown: boolean; prio: number }[] = [];
  private predictedMarkers: Marker[] = [];
  private borderReady = false;
  private countDirty = true;
  private lastCount = 0;
  private popup: Popup | null = null;

  constructor(
    private readonly container: HTMLElement,
    theme: Theme,
    private readonly cb: MapCallbacks,
  ) {
    setWorkerUrl(new URL('maplibre-gl-worker.mjs', document.baseURI).href);
    this.map = new MapLibre({
      container,
      style: buildStyle(theme),
      center: [41.2, 35.2],
      zoom: 6.3,
      attributionControl: false,
      maxBounds: [
        [33, 28],
        [49.5, 40],
      ],
    });
    this.map.addControl(new NavigationControl({ showCompass: true }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    this.map.setMissingStyleImageResolver((id) => this.addSymbol(id));
    this.map.on('mousemove', (e) => this.cb.cursor(e.lngLat.lat, e.lngLat.lng));
    this.map.on('idle', () => this.onIdle());
    this.map.on('zoomend', () => this.updateLabelVisibility());
    this.map.on('moveend', () => {
      this.countDirty = true;
      this.declutter();
    });
    this.map.on('click', TRACK_LAYER, (e: MapLayerMouseEvent) => {
      const f = e.features?.[0];
      if (f) this.cb.trackClicked(String(f.properties.id), e.lngLat);
    });
    for (const layer of ['theater-crossings', 'theater-cameras', 'theater-posts', 'theater-bases', 'theater-facilities']) {
      this.map.on('click', layer, (e: MapLayerMouseEvent) => {
        const f = e.features?.[0];
        if (f && !this.map.queryRenderedFeatures(e.point, { layers: [TRACK_LAYER] }).length) {
          this.cb.featureClicked(f.properties as Record<string, unknown>, e.lngLat);
        }
      });
    }
    for (const layer of [TRACK_LAYER, 'theater-crossings', 'theater-cameras', 'theater-posts', 'theater-bases', 'theater-facilities']) {
      this.map.on('mouseenter', layer, () => {
        this.map.getCanvas().style.cursor = 'pointer';
      });
      this.map.on('mouseleave', layer, () => {
        this.map.getCanvas().style.cursor = '';
      });
    }
    // The tracks count on #map is refreshed at most once a second.
    setInterval(() => this.refreshCount(), 1000);
  }

  whenLoaded(): Promise<void> {
    if (this.map.loaded()) return Promise.resolve();
    return new Promise((resolve) => this.map.once('load', () => resolve()));
  }

  setData(source: string, data: FeatureCollection): void {
    const s = this.map.getSource<GeoJSONSource>(source);
    s?.setData(data);
    if (source === 'theater') this.borderReady = true;
    this.countDirty = true;
  }

  setTheme(theme: Theme): void {
    for (const [layer, prop, value] of themePaint(theme)) {
      if (this.map.getLayer(layer)) this.map.setPaintProperty(layer, prop as never, value as never);
    }
  }

  private addSymbol(sidc: string): void {
    if (!/^\d{20}$/.test(sidc) || this.map.hasImage(sidc)) return;
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    const img = symbolImage(sidc, ratio);
    if (img) this.map.addImage(sidc, img, { pixelRatio: ratio });
  }

  private onIdle(): void {
    if (this.borderReady && this.map.getLayer(BORDER_LAYER)) {
      const n = this.map.queryRenderedFeatures({ layers: [BORDER_LAYER] }).length;
      this.container.dataset.borderRendered = String(n);
      this.container.dataset.ready = '1';
    }
    this.countDirty = true;
    this.refreshCount();
  }

  private lastRefresh = 0;

  private refreshCount(): void {
    const now = Date.now();
    if (!this.countDirty || now - this.lastRefresh < 1000 || !this.map.getLayer(TRACK_LAYER)) return;
    this.lastRefresh = now;
    this.countDirty = false;
    const ids = new Set<string>();
    for (const f of this.map.queryRenderedFeatures({ layers: [TRACK_LAYER] })) ids.add(String(f.properties.id));
    this.lastCount = ids.size;
    this.container.dataset.tracksRendered = String(this.lastCount);
  }

  // setLabels replaces the HTML labels (towns, provinces, sectors, crossings).
  setLabels(labels: Label[]): void {
    for (const l of this.labels) l.marker.remove();
    this.labels = labels.map((l) => {
      const e = document.createElement('div');
      e.className = `map-label ${l.cls}`;
      e.textContent = l.text;
      const marker = new Marker({ element: e, anchor: l.cls.includes('town') ? 'left' : 'center' }).setLngLat([l.lon, l.lat]);
      return { marker, minZoom: l.minZoom, shown: false, prio: labelPriority(l.cls) };
    });
    this.updateLabelVisibility();
  }

  private updateLabelVisibility(): void {
    const z = this.map.getZoom();
    for (const l of this.labels) {
      const show = z >= l.minZoom;
      if (show && !l.shown) l.marker.addTo(this.map);
      if (!show && l.shown) l.marker.remove();
      l.shown = show;
    }
    this.declutter();
  }

  // declutter hides every HTML label that would overlap one placed before
  // it: crossings first, then predicted crossing times (soonest first),
  // then sectors, towns and provinces.
  private declutter(): void {
    const cands: { e: HTMLElement; prio: number }[] = [];
    for (const l of this.labels) if (l.shown) cands.push({ e: l.marker.getElement(), prio: l.prio });
    for (const m of this.predictedMarkers) cands.push({ e: m.getElement(), prio: PREDICTED_PRIORITY });
    cands.sort((a, b) => a.prio - b.prio);
    const kept: DOMRect[] = [];
    for (const c of cands) {
      const r = c.e.getBoundingClientRect();
      const hit = kept.some((k) => r.left < k.right + 3 && r.right > k.left - 3 && r.top < k.bottom + 1 && r.bottom > k.top - 1);
      const v = hit ? 'hidden' : '';
      if (c.e.style.visibility !== v) c.e.style.visibility = v;
      if (!hit) kept.push(r);
    }
  }

  // showTracks draws the tracks, their trails and predicted paths.
  showTracks(tracks: Iterable<Track>, trails: Map<string, TrailPoint[]>, openByTrack: Map<string, Alert[]>, predictedLabel: (iso: string) => string): void {
    const points: Feature[] = [];
    const lines: Feature[] = [];
    const predicted: Feature[] = [];
    const labels: { lat: number; lon: number; text: string; time: string }[] = [];
    for (const t of tracks) {
      const open = openByTrack.get(t.id);
      const aff = affiliation(t, open);
      points.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [t.position.lon, t.position.lat] },
        properties: { id: t.id, sidc: sidcFor(t, open), rank: RANK[aff] ?? 0 },
      });
      const trail = trails.get(t.id) ?? t.trail ?? [];
      if (trail.length > 1) {
        lines.push({
          type: 'Feature',
          geometry: { type: 'LineString', coordinates: trail.map((p) => [p.lon, p.lat]) },
          properties: { id: t.id, color: AFFILIATION_COLOR[aff] },
        });
      }
      // The predicted path and time are drawn for tracks with an open
      // alert only: thousands of wandering animals and clutter tracks
      // "heading for the line" would bury the ones that matter.
      if (t.predicted && open && open.length > 0 && !t.friendly) {
        predicted.push({
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [t.position.lon, t.position.lat],
              [t.predicted.lon, t.predicted.lat],
            ],
          },
          properties: { id: t.id },
        });
        labels.push({ lat: t.predicted.lat, lon: t.predicted.lon, text: predictedLabel(t.predicted.time), time: t.predicted.time });
      }
    }
    this.setData('tracks', { type: 'FeatureCollection', features: points });
    this.setData('trails', { type: 'FeatureCollection', features: lines });
    this.setData('predicted', { type: 'FeatureCollection', features: predicted });
    labels.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    this.setPredictedLabels(labels);
    this.declutter();
  }

  private setPredictedLabels(labels: { lat: number; lon: number; text: string }[]): void {
    // Reuse markers: their number changes slowly.
    while (this.predictedMarkers.length > labels.length) this.predictedMarkers.pop()?.remove();
    labels.slice(0, 200).forEach((l, i) => {
      let m = this.predictedMarkers[i];
      if (!m) {
        const e = document.createElement('div');
        e.className = 'map-label predicted';
        m = new Marker({ element: e, anchor: 'bottom-left' });
        this.predictedMarkers.push(m);
        m.setLngLat([l.lon, l.lat]).addTo(this.map);
      }
      m.setLngLat([l.lon, l.lat]);
      m.getElement().textContent = l.text;
    });
  }

  // showCameras shows or hides the camera layers.
  showCameras(visible: boolean): void {
    for (const layer of CAMERA_LAYERS) {
      if (this.map.getLayer(layer)) this.map.setLayoutProperty(layer, 'visibility', visible ? 'visible' : 'none');
    }
  }

  select(lat: number | null, lon: number | null): void {
    this.setData(
      'selected',
      lat === null || lon === null
        ? { type: 'FeatureCollection', features: [] }
        : { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: {} }] },
    );
  }

  flyTo(lat: number, lon: number, zoom = 11): void {
    this.map.flyTo({ center: [lon, lat], zoom: Math.max(zoom, this.map.getZoom()), speed: 1.6 });
  }

  openPopup(lngLat: { lng: number; lat: number }, content: HTMLElement): void {
    this.popup?.remove();
    this.popup = new Popup({ closeButton: true, maxWidth: '360px' }).setLngLat(lngLat).setDOMContent(content).addTo(this.map);
  }

  closePopup(): void {
    this.popup?.remove();
    this.popup = null;
  }
}

// coordsLine is "MGRS · lat/lon" for popups and details.
export function coordsText(lat: number, lon: number): string {
  return `${formatMGRS(lat, lon)} · ${formatLatLon(lat, lon)}`;
}
