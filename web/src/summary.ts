// Alert summaries built on the client from the alert's structured fields,
// one template per rule in each catalogue, so that an Arabic console reads
// Arabic. The server's English summary is used only for a rule this client
// does not know.

import { baghdadHM, num } from './clock';
import { fill, catalogues, type Lang, type MessageKey } from './i18n/index';
import type { Alert } from './types';

// RULES lists the rules of internal/rules, each with a summary template
// (summary.<rule>) and a label (rule.<rule>) in both catalogues.
export const RULES = [
  'approach',
  'inbound_crossing',
  'outbound_crossing',
  'zone_entry',
  'barrier_gap',
  'closed_crossing',
  'loiter',
  'group',
  'vehicle_offroad_night',
] as const;

export type RuleName = (typeof RULES)[number];

export function isRule(s: string): s is RuleName {
  return (RULES as readonly string[]).includes(s);
}

// Instant rules report a moment, never a condition that ends.
const INSTANT: ReadonlySet<string> = new Set(['inbound_crossing', 'outbound_crossing']);

function msg(l: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  return fill(catalogues[l][key], vars);
}

// ruleLabel names a rule in the language, or the rule itself if unknown.
export function ruleLabel(rule: string, l: Lang): string {
  return isRule(rule) ? msg(l, `rule.${rule}`) : rule.replaceAll('_', ' ');
}

// lengthText is "350 m" below a kilometre, "1.2 km" above, as the server
// writes it.
export function lengthText(m: number, l: Lang): string {
  const a = Math.abs(m);
  if (a < 1000) return msg(l, 'len.m', { n: num(Math.round(a), l) });
  if (a < 100_000) return msg(l, 'len.km', { n: num(a / 1000, l, 1) });
  return msg(l, 'len.km', { n: num(a / 1000, l) });
}

// subjectText is "person", "person ×3", "unknown ×2".
function subjectText(a: Alert, l: Lang): string {
  const cls = a.class ?? 'unknown';
  const key = `class.${cls}` as MessageKey;
  const name = key in catalogues[l] ? msg(l, key) : cls;
  const count = a.count ?? 1;
  return count > 1 ? msg(l, 'subject.many', { class: name, count: num(count, l) }) : msg(l, 'subject.one', { class: name });
}

// placeText is "1.2 km inside Syria", "40 m inside Iraq", "on the line";
// distance_m is signed, > 0 inside Iraq.
function placeText(a: Alert, l: Lang): string {
  const d = a.distance_m ?? 0;
  if (Math.abs(d) < 1) return msg(l, 'place.line');
  return msg(l, d > 0 ? 'place.iraq' : 'place.syria', { distance: lengthText(d, l) });
}

// latinId keeps an id Latin and left-to-right inside Arabic text (a bidi
// isolate; invisible in English).
function latinId(id: string | undefined): string {
  return id ? `\u2066${id}\u2069` : '';
}

// named is "X-QAIM (al-Qa'im)", or the id alone when there is no name.
function named(id: string | undefined, nameOf?: NameOf): string {
  if (!id) return '';
  const n = nameOf?.(id);
  return n && n !== id ? `${latinId(id)} (${n})` : latinId(id);
}

// NameOf gives the name of a theater feature (zone, crossing) by id in the
// summary's language, if it has one.
export type NameOf = (id: string) => string | undefined;

// summaryText writes the one line an operator reads for an alert, in the
// language l. A predicted crossing is given as a Baghdad clock time, which
// does not go stale as a countdown would.
export function summaryText(a: Alert, l: Lang, nameOf?: NameOf): string {
  if (!isRule(a.rule)) return a.summary || a.rule;
  const vars: Record<string, string | number> = {
    subject: subjectText(a, l),
    place: placeText(a, l),
    km: num((a.chainage_m ?? 0) / 1000, l, 2),
    zone: named(a.zone, nameOf),
    barrier: latinId(a.barrier),
    crossing: named(a.crossing, nameOf),
    members: num(a.members?.length || a.count || 0, l),
  };
  let key: MessageKey = `summary.${a.rule}`;
  switch (a.rule) {
    case 'approach':
      if (a.predicted_crossing) {
        const at = Date.parse(a.predicted_crossing);
        if (!Number.isNaN(at)) {
          key = 'summary.approach.eta';
          vars.time = baghdadHM(new Date(at), l);
        }
      }
      break;
    case 'inbound_crossing':
    case 'outbound_crossing':
      if (a.zone) key = `summary.${a.rule}.zone`;
      break;
    case 'barrier_gap':
      if (a.barrier) key = 'summary.barrier_gap.segment';
      break;
  }
  const line = msg(l, key, vars);
  if (a.active === false && !INSTANT.has(a.rule)) return msg(l, 'summary.ended', { summary: line });
  return line;
}
