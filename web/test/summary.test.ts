import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ar } from '../src/i18n/ar';
import { en } from '../src/i18n/en';
import { RULES, lengthText, ruleLabel, summaryText } from '../src/summary';
import type { Alert } from '../src/types';

// The rules of internal/rules (rules.Rules), in its order.
const SERVER_RULES = ['approach', 'inbound_crossing', 'outbound_crossing', 'zone_entry', 'barrier_gap', 'closed_crossing', 'loiter', 'group', 'vehicle_offroad_night'];

// plain drops the bidi isolates around ids.
const plain = (s: string) => s.replace(/[\u2066\u2069]/g, '');

function alert(over: Partial<Alert>): Alert {
  return {
    id: 7, rule: 'approach', severity: 'high', state: 'new', track: 'T-00042', sector: 'S04', position: { lat: 34.4, lon: 41 },
    summary: 'server text', raised: '2026-12-06T20:00:00Z', updated: '2026-12-06T20:00:00Z', exercise: false,
    class: 'person', count: 1, distance_m: -1200, chainage_m: 212345, active: true, ...over,
  };
}

test('every rule has a summary template and a label in both catalogues', () => {
  assert.deepEqual([...RULES], SERVER_RULES);
  for (const cat of [en, ar] as Record<string, string>[]) {
    for (const r of RULES) {
      assert.ok(cat[`summary.${r}`], `summary.${r}`);
      assert.ok(cat[`rule.${r}`], `rule.${r}`);
    }
  }
});

test('summaries in English', () => {
  assert.equal(summaryText(alert({ count: 3, predicted_crossing: '2026-12-06T20:09:00Z' }), 'en'), 'person ×3 1.2 km inside Syria, heading for the line, crossing predicted at 23:09');
  assert.equal(summaryText(alert({ rule: 'approach' }), 'en'), 'person 1.2 km inside Syria, heading for the line');
  assert.equal(
    plain(summaryText(alert({ rule: 'inbound_crossing', class: 'vehicle', distance_m: 40, zone: 'Z-07', active: false }), 'en')),
    'vehicle crossed into Iraq at km 212.35 in zone Z-07, now 40 m inside Iraq',
  );
  assert.equal(plain(summaryText(alert({ rule: 'barrier_gap', barrier: 'B-12', distance_m: 350 }), 'en')), 'person 350 m inside Iraq at km 212.35, where no barrier is complete (nearest segment B-12)');
  assert.equal(summaryText(alert({ rule: 'group', class: 'unknown', members: ['T-1', 'T-2', 'T-3'], distance_m: 0.4 }), 'en'), 'group of 3 tracks (unknown) on the line');
  assert.equal(plain(summaryText(alert({ rule: 'zone_entry', zone: 'Z-03', active: false }), 'en')), 'person entered zone Z-03, 1.2 km inside Syria — condition ended');
});

test('summaries in Arabic use Arabic-Indic digits and keep ids Latin', () => {
  const s = summaryText(alert({ count: 3, predicted_crossing: '2026-12-06T20:09:00Z' }), 'ar');
  assert.equal(s, 'شخص ×٣ داخل سوريا بمسافة ١٫٢ كم، يتجه نحو خط الحدود، العبور متوقع عند ٢٣:٠٩');
  const z = summaryText(alert({ rule: 'outbound_crossing', class: 'animal', zone: 'Z-07' }), 'ar');
  assert.match(z, /\u2066Z-07\u2069/);
  assert.match(z, /^حيوان عبر إلى سوريا عند الكيلومتر ٢١٢٫٣٥ في المنطقة/);
  assert.doesNotMatch(z, /[0-9]{3}/, 'numbers are not in Latin digits');
  assert.equal(ruleLabel('loiter', 'ar'), 'تلكؤ');
});

test('zones and crossings are named when the theater names them', () => {
  const names: Record<string, string> = { 'X-QAIM': "al-Qa'im" };
  const nameOf = (id: string) => names[id];
  assert.equal(plain(summaryText(alert({ rule: 'closed_crossing', crossing: 'X-QAIM', distance_m: -414 }), 'en', nameOf)), "person near closed crossing X-QAIM (al-Qa'im), 414 m inside Syria");
  assert.equal(plain(summaryText(alert({ rule: 'zone_entry', zone: 'Z-01' }), 'en', nameOf)), 'person entered zone Z-01, 1.2 km inside Syria');
});

test('an unknown rule falls back to the server summary', () => {
  assert.equal(summaryText(alert({ rule: 'sky_fall', summary: 'the sky fell' }), 'ar'), 'the sky fell');
  assert.equal(ruleLabel('sky_fall', 'en'), 'sky fall');
});

test('lengths', () => {
  assert.equal(lengthText(349.6, 'en'), '350 m');
  assert.equal(lengthText(-1250, 'en'), '1.3 km');
  assert.equal(lengthText(123456, 'en'), '123 km');
});
