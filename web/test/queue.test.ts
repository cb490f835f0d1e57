import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sortQueue } from '../src/queue';
import type { Alert } from '../src/types';

function a(id: number, severity: Alert['severity'], raised: string, state: Alert['state'] = 'new'): Alert {
  return { id, rule: 'r', severity, state, track: 'T', sector: 'S01', position: { lat: 0, lon: 0 }, summary: '', raised, updated: raised, exercise: false };
}

test('queue: open first, then severity, then oldest first', () => {
  const out = sortQueue([
    a(1, 'low', '2026-12-06T20:00:00Z'),
    a(2, 'critical', '2026-12-06T20:05:00Z'),
    a(3, 'critical', '2026-12-06T20:01:00Z'),
    a(4, 'high', '2026-12-06T19:00:00Z'),
    a(5, 'critical', '2026-12-06T18:00:00Z', 'resolved'),
    a(6, 'medium', '2026-12-06T20:00:00Z', 'assigned'),
  ]);
  assert.deepEqual(out.map((x) => x.id), [3, 2, 4, 6, 1, 5]);
});
