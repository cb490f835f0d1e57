// Converts world-atlas countries-10m.json (TopoJSON) to GeoJSON clipped to
// the theater's box, for the basemap. Plain JavaScript, run by build.mjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';

export const BOX = { west: 35, south: 29.5, east: 47.5, north: 38.5 };

const require = createRequire(import.meta.url);

// clipRing clips one closed ring to an axis-aligned box (Sutherland–Hodgman,
// exact for a convex clip window).
export function clipRing(ring, box) {
  const edges = [
    (p) => p[0] >= box.west, (p) => p[0] <= box.east,
    (p) => p[1] >= box.south, (p) => p[1] <= box.north,
  ];
  const cut = [
    (a, b) => at(a, b, 0, box.west), (a, b) => at(a, b, 0, box.east),
    (a, b) => at(a, b, 1, box.south), (a, b) => at(a, b, 1, box.north),
  ];
  let out = ring.slice(0, ring.length - 1);
  for (let e = 0; e < 4 && out.length > 0; e++) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i];
      const prev = input[(i + input.length - 1) % input.length];
      const inCur = edges[e](cur);
      const inPrev = edges[e](prev);
      if (inCur) {
        if (!inPrev) out.push(cut[e](prev, cur));
        out.push(cur);
      } else if (inPrev) {
        out.push(cut[e](prev, cur));
      }
    }
  }
  if (out.length < 3) return null;
  out = out.map(([x, y]) => [round(x), round(y)]);
  out.push(out[0]);
  return out;
}

function at(a, b, axis, v) {
  const t = (v - a[axis]) / (b[axis] - a[axis]);
  const p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  p[axis] = v;
  return p;
}

function round(x) {
  return Math.round(x * 1e5) / 1e5;
}

function clipPolygon(rings, box) {
  const out = [];
  for (const r of rings) {
    const c = clipRing(r, box);
    if (c) out.push(c);
    else if (out.length === 0) return null; // outer ring gone: drop the polygon
  }
  return out.length ? out : null;
}

// countries returns the clipped FeatureCollection as a JSON string.
export function countries() {
  const topo = JSON.parse(readFileSync(require.resolve('world-atlas/countries-10m.json'), 'utf8'));
  const fc = feature(topo, topo.objects.countries);
  const features = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    const kept = polys.map((p) => clipPolygon(p, BOX)).filter((p) => p !== null);
    if (kept.length === 0) continue;
    features.push({
      type: 'Feature',
      properties: { id: String(f.id), name: f.properties.name },
      geometry: kept.length === 1 ? { type: 'Polygon', coordinates: kept[0] } : { type: 'MultiPolygon', coordinates: kept },
    });
  }
  features.sort((a, b) => a.properties.id.localeCompare(b.properties.id));
  return JSON.stringify({ type: 'FeatureCollection', features });
}
