// Clock and time formatting: Baghdad local time and Zulu side by side,
// through Intl with the chosen locale.

export const BAGHDAD = 'Asia/Baghdad';

// intlLocale maps the interface language to the locale used for numbers and
// dates: Arabic uses ar-IQ (Arabic-Indic digits).
export function intlLocale(lang: string): string {
  return lang === 'ar' ? 'ar-IQ' : 'en-GB';
}

function hm(d: Date, lang: string, timeZone: string, seconds: boolean): string {
  return new Intl.DateTimeFormat(intlLocale(lang), {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: seconds ? '2-digit' : undefined,
    hourCycle: 'h23',
  }).format(d);
}

// localClock is "hh:mm:ss" in Baghdad.
export function localClock(d: Date, lang: string): string {
  return hm(d, lang, BAGHDAD, true);
}

// zuluClock is "hh:mm:ssZ" in UTC.
export function zuluClock(d: Date, lang: string): string {
  return `${hm(d, lang, 'UTC', true)}Z`;
}

// baghdadHM is "hh:mm" in Baghdad, for "REPLAY hh:mm".
export function baghdadHM(d: Date, lang: string): string {
  return hm(d, lang, BAGHDAD, false);
}

// dateTime is a full date and Baghdad time for details.
export function dateTime(iso: string | undefined, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(lang), {
    timeZone: BAGHDAD,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

// num formats a number in the chosen locale.
export function num(n: number, lang: string, digits = 0): string {
  return new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

// age is how long ago iso was, as minutes (or seconds under a minute).
export function age(iso: string, now: number, lang: string): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const rtf = new Intl.RelativeTimeFormat(intlLocale(lang), { numeric: 'always', style: 'narrow' });
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  return rtf.format(-Math.floor(s / 3600), 'hour');
}
