import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANIMALS_KEY, CAMERAS_KEY, layers, readLayers, saveLayers, trackShown } from '../src/layers';
import type { Alert, Track } from '../src/types';

function track(id: string, cls: string): Track {
  const time = '2026-12-06T20:00:00Z';
  return {
    id, status: 'confirmed', time, position: { lat: 34.4, lon: 41 }, mgrs: '', speed_mps: 0.5, course_deg: 90, sigma_m: 5,
    class: cls, count: 1, friendly: false, exercise: false, sector: 'S04', side: 'iraq', distance_m: 100,
    chainage_km: 200, born: time, last_seen: time, hits: 3, sensors: [],
  };
}

test('animals are hidden unless in an open alert', () => {
  const open = new Map<string, Alert[]>([['T-2', [{ id: 1 } as Alert]]]);
  assert.ok(trackShown(track('T-1', 'animal'), open, true));
  assert.ok(!trackShown(track('T-1', 'animal'), open, false));
  assert.ok(trackShown(track('T-2', 'animal'), open, false));
  assert.ok(trackShown(track('T-3', 'person'), open, false));
});

test('choices are remembered, shown by default', () => {
  const m = new Map<string, string>();
  const store = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
  readLayers(store);
  assert.deepEqual(layers, { animals: true, cameras: true });
  layers.animals = false;
  saveLayers(store);
  assert.equal(m.get(ANIMALS_KEY), '0');
  assert.equal(m.get(CAMERAS_KEY), '1');
  layers.animals = true;
  readLayers(store);
  assert.deepEqual(layers, { animals: false, cameras: true });
});
