import assert from 'node:assert/strict';
import { test } from 'node:test';

import ms from 'milsymbol';

import { affiliation, sidcFor } from '../src/sidc';
import type { Alert } from '../src/types';

const open = (severity: Alert['severity']): Alert[] => [
  { id: 1, rule: 'r', severity, state: 'new', track: 'T', sector: 'S01', position: { lat: 0, lon: 0 }, summary: '', raised: '', updated: '', exercise: false },
];

test('affiliation', () => {
  assert.equal(affiliation({ friendly: true, class: 'person' }, open('critical')), 'friendly');
  assert.equal(affiliation({ friendly: false, class: 'person' }, open('critical')), 'hostile');
  assert.equal(affiliation({ friendly: false, class: 'person' }, open('high')), 'hostile');
  assert.equal(affiliation({ friendly: false, class: 'vehicle' }, open('medium')), 'suspect');
  assert.equal(affiliation({ friendly: false, class: 'animal' }, []), 'neutral');
  assert.equal(affiliation({ friendly: false, class: 'person' }, undefined), 'unknown');
});

test('SIDC by class, count and exercise, all valid for milsymbol', () => {
  const cases: [Parameters<typeof sidcFor>[0], Alert[] | undefined, string][] = [
    [{ friendly: true, class: 'person', count: 1, exercise: false }, undefined, '10031000001211000000'],
    [{ friendly: false, class: 'person', count: 4, exercise: false }, open('critical'), '10061000111211000000'],
    [{ friendly: false, class: 'vehicle', count: 1, exercise: false }, open('low'), '10051500001201000000'],
    [{ friendly: false, class: 'animal', count: 3, exercise: false }, undefined, '10041000000000000000'],
    [{ friendly: false, class: 'person', count: 1, exercise: true }, undefined, '10111000001211000000'],
  ];
  for (const [t, alerts, want] of cases) {
    const got = sidcFor(t, alerts);
    assert.equal(got, want);
    assert.ok(new ms.Symbol(got, { size: 20 }).isValid(), `${got} renders`);
  }
});
