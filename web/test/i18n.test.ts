import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ar } from '../src/i18n/ar';
import { en } from '../src/i18n/en';
import { fill } from '../src/i18n/index';

test('catalogues have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(ar).sort(), Object.keys(en).sort());
  const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const k of Object.keys(en) as (keyof typeof en)[]) {
    assert.deepEqual(names(ar[k]), names(en[k]), `placeholders of ${k}`);
    assert.ok(ar[k].length > 0, `${k} is translated`);
  }
});

test('fill replaces named placeholders', () => {
  assert.equal(fill('{a} and {b} and {c}', { a: 1, b: 'x' }), '1 and x and {c}');
});
