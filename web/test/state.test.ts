import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Picture } from '../src/state';
import type { Alert, Track } from '../src/types';

function track(id: string, time: string, lat = 34.4, lon = 41): Track {
  return {
    id, status: 'confirmed', time, position: { lat, lon }, mgrs: '', speed_mps: 1, course_deg: 90, sigma_m: 5,
    class: 'person', count: 1, friendly: false, exercise: false, sector: 'S04', side: 'iraq', distance_m: 100,
    chainage_km: 200, born: time, last_seen: time, hits: 3, sensors: ['S04-C001'],
  };
}

function alert(id: number, state: Alert['state'], severity: Alert['severity'] = 'high'): Alert {
  return {
    id, rule: 'crossing', severity, state, track: 'T-1', sector: 'S04', position: { lat: 34.4, lon: 41 },
    summary: 's', raised: '2026-12-06T20:00:00Z', updated: '2026-12-06T20:00:00Z', exercise: false,
  };
}

test('snapshot then deltas: latest wins, deletions, trails', () => {
  const p = new Picture();
  let r = p.apply({
    type: 'snapshot', seq: 10, time: '2026-12-06T20:00:00Z',
    tracks: [{ ...track('T-1', '2026-12-06T20:00:00Z'), trail: [{ time: '2026-12-06T19:59:50Z', lat: 34.39, lon: 41 }] }, track('T-2', '2026-12-06T20:00:00Z')],
    alerts: [alert(1, 'new')],
  });
  assert.equal(r.kind, 'ok');
  assert.equal(p.seq, 10);
  assert.equal(p.tracks.size, 2);
  assert.equal(p.trails.get('T-1')?.length, 2);

  r = p.apply({ type: 'tracks', seq: 11, time: '2026-12-06T20:00:05Z', tracks: [track('T-1', '2026-12-06T20:00:05Z', 34.41)], deleted: ['T-2'] });
  assert.equal(r.kind, 'ok');
  assert.equal(p.tracks.get('T-1')?.position.lat, 34.41);
  assert.equal(p.tracks.has('T-2'), false);
  assert.equal(p.trails.has('T-2'), false);
  assert.equal(p.trails.get('T-1')?.length, 3);

  // An older state of a track does not replace a newer one.
  p.apply({ type: 'tracks', seq: 12, time: '2026-12-06T20:00:06Z', tracks: [track('T-1', '2026-12-06T20:00:01Z', 30)] });
  assert.equal(p.tracks.get('T-1')?.position.lat, 34.41);
  assert.equal(p.seq, 12);

  // Trail points older than two minutes are dropped.
  p.apply({ type: 'tracks', seq: 13, time: '2026-12-06T20:03:00Z', tracks: [track('T-1', '2026-12-06T20:03:00Z', 34.5)] });
  assert.deepEqual(p.trails.get('T-1')?.map((x) => x.lat), [34.5]);
});

test('alert changes replace by id', () => {
  const p = new Picture();
  p.apply({ type: 'snapshot', seq: 1, time: '2026-12-06T20:00:00Z', tracks: [], alerts: [alert(1, 'new'), alert(2, 'new')] });
  const r = p.apply({ type: 'alert', seq: 2, kind: 'acknowledged', alert: alert(1, 'acknowledged') });
  assert.equal(r.kind, 'ok');
  if (r.kind === 'ok') assert.equal(r.alertKind, 'acknowledged');
  assert.equal(p.alerts.size, 2);
  assert.equal(p.alerts.get(1)?.state, 'acknowledged');
  p.apply({ type: 'alert', seq: 3, kind: 'raised', alert: alert(3, 'new', 'critical') });
  assert.equal(p.alerts.size, 3);
  assert.deepEqual(p.openAlertsByTrack().get('T-1')?.length, 3);
});

test('messages before a snapshot ask for a resync; skipped seqs do not; old messages are ignored', () => {
  const p = new Picture();
  assert.equal(p.apply({ type: 'heartbeat', seq: 5, time: '2026-12-06T20:00:00Z' }).kind, 'resync');
  p.apply({ type: 'snapshot', seq: 5, time: '2026-12-06T20:00:00Z', tracks: [], alerts: [] });
  assert.equal(p.apply({ type: 'heartbeat', seq: 5, time: '2026-12-06T20:00:00Z' }).kind, 'ignored');
  assert.equal(p.apply({ type: 'heartbeat', seq: 6, time: '2026-12-06T20:00:05Z' }).kind, 'ok');
  // An alert sent before the coalesced delta that holds seqs 7 and 8.
  assert.equal(p.apply({ type: 'alert', seq: 9, kind: 'raised', alert: alert(9, 'new') }).kind, 'ok');
  assert.equal(p.alerts.size, 1);
  assert.equal(p.apply({ type: 'tracks', seq: 12, time: '2026-12-06T20:00:06Z', tracks: [track('T-9', '2026-12-06T20:00:06Z')] }).kind, 'ok');
  assert.equal(p.seq, 12);
  assert.ok(p.tracks.has('T-9'));
  assert.equal(p.apply({ type: 'alert', seq: 11, kind: 'updated', alert: alert(9, 'acknowledged') }).kind, 'ignored');
  // A snapshot is applied whatever its seq.
  p.apply({ type: 'snapshot', seq: 40, time: '2026-12-06T20:01:00Z', tracks: [], alerts: [] });
  assert.equal(p.seq, 40);
  assert.equal(p.apply({ type: 'error', message: 'signed out' }).kind, 'error');
});

test('a resume: the missed alerts, then a snapshot', () => {
  const p = new Picture();
  p.apply({ type: 'snapshot', seq: 100, time: '2026-12-06T20:00:00Z', tracks: [], alerts: [] });
  // Reconnected with resume=100: the ring's alerts have gaps between them.
  assert.equal(p.apply({ type: 'alert', seq: 104, kind: 'raised', alert: alert(1, 'new') }).kind, 'ok');
  assert.equal(p.apply({ type: 'alert', seq: 131, kind: 'acknowledged', alert: alert(1, 'acknowledged') }).kind, 'ok');
  assert.equal(p.alerts.get(1)?.state, 'acknowledged');
  assert.equal(p.apply({ type: 'snapshot', seq: 150, time: '2026-12-06T20:00:30Z', tracks: [], alerts: [alert(1, 'acknowledged')] }).kind, 'ok');
});
