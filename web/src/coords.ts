// Coordinate formatting and parsing: MGRS (5-digit, spaced) and lat/lon.

import * as mgrs from 'mgrs';

// formatMGRS gives the 1 m MGRS reference spaced as "37S FU 83793 05990".
export function formatMGRS(lat: number, lon: number): string {
  const raw = mgrs.forward([lon, lat], 5);
  const m = /^(\d{1,2}[C-X])([A-Z]{2})(\d{5})(\d{5})$/.exec(raw);
  if (!m) return raw;
  return `${m[1]} ${m[2]} ${m[3]} ${m[4]}`;
}

// formatLatLon gives "34.37900 N 40.99900 E" (Latin digits, like MGRS).
export function formatLatLon(lat: number, lon: number): string {
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)} ${ns} ${Math.abs(lon).toFixed(5)} ${ew}`;
}

// parseCoords reads "lat,lon" (decimal degrees, optionally with N/E) or an
// MGRS reference (spaces allowed). It returns null for anything else.
export function parseCoords(text: string): { lat: number; lon: number } | null {
  const s = text.trim();
  const ll = /^(-?\d{1,2}(?:\.\d+)?)\s*°?\s*([NS])?\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*°?\s*([EW])?$/i.exec(s);
  if (ll) {
    let lat = Number(ll[1]);
    let lon = Number(ll[3]);
    if (ll[2]?.toUpperCase() === 'S') lat = -lat;
    if (ll[4]?.toUpperCase() === 'W') lon = -lon;
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return { lat, lon };
    return null;
  }
  const compact = s.replace(/\s+/g, '').toUpperCase();
  if (/^\d{1,2}[C-X][A-Z]{2}(\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$/.test(compact)) {
    try {
      const [lon, lat] = mgrs.toPoint(compact);
      if (Number.isFinite(lat) && Number.isFinite(lon)) return { lat, lon };
    } catch {
      return null;
    }
  }
  return null;
}
