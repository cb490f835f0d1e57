// The interface language: the catalogue in use, and t() to look up and fill
// a message. No i18n library: two small catalogues with the same keys.
import { ar } from './ar';
import { en, type MessageKey } from './en';

export type Lang = 'en' | 'ar';
export type { MessageKey };

export const catalogues: Record<Lang, Record<MessageKey, string>> = { en, ar };

let current: Lang = 'en';

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
}

export function isLang(s: string | null | undefined): s is Lang {
  return s === 'en' || s === 'ar';
}

// t returns the message for key in the current language with each {name}
// replaced by vars[name].
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  return fill(catalogues[current][key] ?? en[key], vars);
}

export function fill(msg: string, vars?: Record<string, string | number>): string {
  if (!vars) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
