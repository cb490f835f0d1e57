// The MapLibre style, built in code: every source is GeoJSON given as data
// (no URL), no glyphs, no sprite. Text labels are HTML markers (labels.ts);
// symbol layers use icon-image only, with images made by milsymbol.

import type { ExpressionSpecification, FilterSpecification, LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { FeatureCollection } from 'geojson';

export type Theme = 'dark' | 'light';

export const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

// Layer ids the rest of the front end refers to.
export const BORDER_LAYER = 'theater-border';
export const TRACK_LAYER = 'tracks';

const IRAQ = '368';
const SYRIA = '760';

interface Palette {
  background: string;
  land: string;
  iraq: string;
  syria: string;
  countryLine: string;
  water: string;
  border: string;
  borderCasing: string;
  sector: string;
  sectorLine: string;
}

export const palettes: Record<Theme, Palette> = {
  dark: {
    background: '#0a1018',
    land: '#1a1f26',
    iraq: '#23302a',
    syria: '#2e2623',
    countryLine: '#4a5561',
    water: '#17344f',
    border: '#ffcc33',
    borderCasing: '#000000',
    sector: '#5b8def',
    sectorLine: '#7aa2f7',
  },
  light: {
    background: '#c9d6e3',
    land: '#ebe7df',
    iraq: '#e3ecd9',
    syria: '#f0e0d6',
    countryLine: '#8a8f96',
    water: '#8fb7dc',
    border: '#d12f1f',
    borderCasing: '#ffffff',
    sector: '#2457c5',
    sectorLine: '#2457c5',
  },
};

const layerIs = (name: string): FilterSpecification => ['==', ['get', 'layer'], name];

// THREAT_COLOR shades a sector by its threat level (the theater's
// sectors.yaml); a sector without one keeps the palette's sector colour.
export const THREAT_COLOR: Record<string, string> = {
  low: '#3fb950',
  elevated: '#d29922',
  high: '#f0883e',
  critical: '#f85149',
};

function sectorFill(p: { sector: string }): ExpressionSpecification {
  return ['match', ['get', 'threat'], ...Object.entries(THREAT_COLOR).flat(), p.sector] as unknown as ExpressionSpecification;
}

export function buildStyle(theme: Theme): StyleSpecification {
  const p = palettes[theme];
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': p.background } },
    {
      id: 'countries-fill',
      type: 'fill',
      source: 'countries',
      paint: { 'fill-color': ['match', ['get', 'id'], IRAQ, p.iraq, SYRIA, p.syria, p.land] },
    },
    { id: 'countries-line', type: 'line', source: 'countries', paint: { 'line-color': p.countryLine, 'line-width': 0.8 } },
    { id: 'lakes', type: 'fill', source: 'lakes', paint: { 'fill-color': p.water } },
    {
      id: 'rivers',
      type: 'line',
      source: 'rivers',
      paint: {
        'line-color': p.water,
        'line-width': ['case', ['in', ['get', 'name_en'], ['literal', ['Euphrates', 'Tigris']]], 2.4, 1.2],
      },
    },
    {
      id: 'theater-sectors',
      type: 'fill',
      source: 'theater',
      filter: layerIs('sectors'),
      paint: { 'fill-color': sectorFill(p), 'fill-opacity': 0.1 },
    },
    {
      id: 'theater-sectors-line',
      type: 'line',
      source: 'theater',
      filter: layerIs('sectors'),
      paint: { 'line-color': p.sectorLine, 'line-opacity': 0.45, 'line-width': 0.8, 'line-dasharray': [3, 2] },
    },
    {
      id: 'theater-zones',
      type: 'fill',
      source: 'theater',
      filter: layerIs('zones'),
      paint: {
        'fill-color': ['match', ['get', 'status'], 'closed', '#3fb950', 'partially_closed', '#d29922', '#f85149'],
        'fill-opacity': 0.14,
      },
    },
    {
      id: 'theater-zones-line',
      type: 'line',
      source: 'theater',
      filter: layerIs('zones'),
      paint: {
        'line-color': ['match', ['get', 'status'], 'closed', '#3fb950', 'partially_closed', '#d29922', '#f85149'],
        'line-width': 1,
        'line-dasharray': [1, 1.5],
      },
    },
    {
      id: 'theater-barriers',
      type: 'line',
      source: 'theater',
      filter: layerIs('barriers'),
      paint: {
        'line-color': ['match', ['get', 'status'], 'complete', '#8b949e', 'under_construction', '#d29922', '#6e7681'],
        'line-width': ['match', ['get', 'status'], 'planned', 1.5, 3],
        'line-dasharray': ['match', ['get', 'status'], 'planned', ['literal', [2, 2]], ['literal', [1, 0]]],
        'line-offset': 3,
      },
    },
    {
      id: 'theater-border-casing',
      type: 'line',
      source: 'theater',
      filter: layerIs('border'),
      paint: { 'line-color': p.borderCasing, 'line-width': 5, 'line-opacity': 0.6 },
    },
    {
      id: BORDER_LAYER,
      type: 'line',
      source: 'theater',
      filter: layerIs('border'),
      paint: { 'line-color': p.border, 'line-width': 2.5 },
    },
    {
      id: 'theater-cameras',
      type: 'circle',
      source: 'theater',
      filter: layerIs('cameras'),
      minzoom: 8,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 12, 4],
        'circle-color': ['match', ['get', 'health'], 'ok', '#3fb950', 'degraded', '#d29922', 'offline', '#f85149', 'tampered', '#c297ff', '#8b949e'],
        'circle-stroke-color': '#000000',
        'circle-stroke-width': 0.5,
      },
    },
    {
      id: 'theater-cameras-down',
      type: 'circle',
      source: 'theater',
      filter: ['all', ['==', ['get', 'layer'], 'cameras'], ['in', ['get', 'health'], ['literal', ['offline', 'tampered', 'degraded']]]],
      maxzoom: 8,
      paint: {
        'circle-radius': 2.5,
        'circle-color': ['match', ['get', 'health'], 'degraded', '#d29922', 'tampered', '#c297ff', '#f85149'],
      },
    },
    {
      id: 'theater-posts',
      type: 'circle',
      source: 'theater',
      filter: layerIs('posts'),
      paint: { 'circle-radius': 3.5, 'circle-color': '#58a6ff', 'circle-stroke-color': '#0d1117', 'circle-stroke-width': 1 },
    },
    {
      id: 'theater-bases',
      type: 'circle',
      source: 'theater',
      filter: layerIs('bases'),
      paint: { 'circle-radius': 6, 'circle-color': '#1f6feb', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    },
    {
      id: 'theater-facilities',
      type: 'circle',
      source: 'theater',
      filter: layerIs('facilities'),
      paint: { 'circle-radius': 5, 'circle-color': '#a371f7', 'circle-stroke-color': '#000000', 'circle-stroke-width': 1 },
    },
    {
      id: 'theater-crossings',
      type: 'circle',
      source: 'theater',
      filter: layerIs('crossings'),
      paint: {
        'circle-radius': 7,
        'circle-color': ['match', ['get', 'status'], 'open', '#3fb950', 'restricted', '#d29922', 'closed', '#f85149', '#8b949e'],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'trails',
      type: 'line',
      source: 'trails',
      paint: { 'line-color': ['get', 'color'], 'line-width': 1.5, 'line-opacity': 0.75 },
    },
    {
      id: 'predicted',
      type: 'line',
      source: 'predicted',
      paint: { 'line-color': '#ffb86b', 'line-width': 1.5, 'line-dasharray': [2, 2] },
    },
    {
      id: 'selected',
      type: 'circle',
      source: 'selected',
      paint: { 'circle-radius': 16, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#58a6ff', 'circle-stroke-width': 2.5 },
    },
    {
      id: TRACK_LAYER,
      type: 'symbol',
      source: 'tracks',
      layout: {
        'icon-image': ['get', 'sidc'],
        // Smaller at theater scale; animals (rank 0) smaller still.
        'icon-size': ['interpolate', ['linear'], ['zoom'], 5, ['case', ['==', ['get', 'rank'], 0], 0.35, 0.55], 9, ['case', ['==', ['get', 'rank'], 0], 0.6, 0.85], 12, 1],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'symbol-sort-key': ['get', 'rank'],
      },
    },
  ];
  const src = (): { type: 'geojson'; data: FeatureCollection } => ({ type: 'geojson', data: EMPTY });
  return {
    version: 8,
    name: 'raqib',
    sources: {
      countries: src(),
      lakes: src(),
      rivers: src(),
      theater: src(),
      trails: src(),
      predicted: src(),
      selected: src(),
      tracks: src(),
    },
    layers,
  };
}

// themePaint lists the paint properties a theme change updates.
export function themePaint(theme: Theme): [string, string, unknown][] {
  const p = palettes[theme];
  return [
    ['background', 'background-color', p.background],
    ['countries-fill', 'fill-color', ['match', ['get', 'id'], IRAQ, p.iraq, SYRIA, p.syria, p.land]],
    ['countries-line', 'line-color', p.countryLine],
    ['lakes', 'fill-color', p.water],
    ['rivers', 'line-color', p.water],
    ['theater-sectors', 'fill-color', sectorFill(p)],
    ['theater-sectors-line', 'line-color', p.sectorLine],
    ['theater-border-casing', 'line-color', p.borderCasing],
    [BORDER_LAYER, 'line-color', p.border],
  ];
}
