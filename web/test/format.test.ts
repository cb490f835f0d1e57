import assert from 'node:assert/strict';
import { test } from 'node:test';

import { baghdadHM, localClock, zuluClock } from '../src/clock';
import { formatLatLon, formatMGRS, parseCoords } from '../src/coords';

test('MGRS of known points', () => {
  assert.equal(formatMGRS(34.379, 40.999), '37S FU 83793 05990'); // al-Qa'im
  assert.equal(formatMGRS(36.8067, 42.0861), '38S KF 40045 77391'); // Rabia
});

test('coordinates parse from lat,lon and MGRS', () => {
  assert.deepEqual(parseCoords('34.379, 40.999'), { lat: 34.379, lon: 40.999 });
  assert.deepEqual(parseCoords('34.379N 40.999E'), { lat: 34.379, lon: 40.999 });
  const p = parseCoords('37S FU 83793 05990');
  assert.ok(p);
  assert.ok(Math.abs(p.lat - 34.379) < 1e-4 && Math.abs(p.lon - 40.999) < 1e-4);
  assert.equal(parseCoords('Mosul'), null);
  assert.equal(parseCoords('95, 40'), null);
  assert.equal(formatLatLon(34.379, 40.999), '34.37900 N 40.99900 E');
});

test('Baghdad and Zulu clocks', () => {
  const d = new Date('2026-12-06T21:05:09Z');
  assert.equal(localClock(d, 'en'), '00:05:09');
  assert.equal(zuluClock(d, 'en'), '21:05:09Z');
  assert.equal(baghdadHM(d, 'en'), '00:05');
  // Arabic uses Arabic-Indic digits.
  assert.match(baghdadHM(d, 'ar'), /^٠٠:٠٥$/);
});
