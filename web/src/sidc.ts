// SIDC choice for tracks, in MIL-STD-2525D (20 digits), which milsymbol
// renders. Digits: version 10, context (0 reality, 1 exercise), standard
// identity, symbol set, status 0, HQ/task force 0, echelon/mobility (2),
// entity (6), modifiers (4).
//
// Standard identity:
//   friendly  3  tracks of friendly units (patrol GPS)
//   hostile   6  tracks with an open critical or high alert
//   suspect   5  tracks with any other open alert
//   neutral   4  animals: a known non-threat, kept on the picture
//   unknown   1  everything else
// Entity:
//   person   land unit (10), infantry (121100)
//   group    land unit (10), infantry (121100), echelon team/crew (11)
//   vehicle  land equipment (15), armoured vehicle (120100)
//   animal   land unit (10), unspecified (000000): a plain neutral frame

import type { Alert, Track } from './types';

export type Affiliation = 'friendly' | 'hostile' | 'suspect' | 'neutral' | 'unknown';

const IDENTITY: Record<Affiliation, string> = { friendly: '3', hostile: '6', suspect: '5', neutral: '4', unknown: '1' };

export function affiliation(t: Pick<Track, 'friendly' | 'class'>, open: Alert[] | undefined): Affiliation {
  if (t.friendly) return 'friendly';
  if (open && open.some((a) => a.severity === 'critical' || a.severity === 'high')) return 'hostile';
  if (open && open.length > 0) return 'suspect';
  if (t.class === 'animal') return 'neutral';
  return 'unknown';
}

export function sidcFor(t: Pick<Track, 'friendly' | 'class' | 'count' | 'exercise'>, open: Alert[] | undefined): string {
  const context = t.exercise ? '1' : '0';
  const id = IDENTITY[affiliation(t, open)];
  let set = '10';
  let echelon = '00';
  let entity = '121100';
  if (t.class === 'vehicle') {
    set = '15';
    entity = '120100';
  } else if (t.class === 'animal') {
    entity = '000000';
  } else if ((t.count ?? 1) > 1) {
    echelon = '11';
  }
  return `10${context}${id}${set}00${echelon}${entity}0000`;
}
