// The time bar: Baghdad and Zulu clocks, LIVE / REPLAY state, the replay
// slider and the replay request, read as an NDJSON stream.

import { ApiError } from './api';
import { baghdadHM, localClock, num, zuluClock } from './clock';
import { ctx, invalidate } from './ctx';
import { $, toast } from './dom';
import { lang, t } from './i18n/index';
import type { Alert, TrailPoint, Track } from './types';

let replayAbort: AbortController | null = null;

type ReplayLine =
  | { type: 'progress'; done: number; total: number }
  | { type: 'snapshot'; time: string; tracks: Track[]; alerts: Alert[] }
  | { type: 'error'; message: string };

export function renderClocks(): void {
  const now = new Date();
  const l = lang();
  $('clock-local').textContent = localClock(now, l);
  $('clock-zulu').textContent = zuluClock(now, l);
  const state = $('time-state');
  if (ctx.replay) {
    state.textContent = t('time.replay', { hm: baghdadHM(ctx.replay.at, l) });
    state.className = 'time-state replay';
  } else {
    state.textContent = t('time.live');
    state.className = 'time-state live';
  }
  const minutes = Number(($('replay-slider') as HTMLInputElement).value);
  $('replay-minutes').textContent = minutes > 0 ? t('time.minutesBack', { n: num(minutes, l) }) : '';
}

// readNDJSON calls fn for every JSON line of a streamed body.
export async function readNDJSON(body: ReadableStream<Uint8Array>, fn: (v: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buf += dec.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) fn(JSON.parse(line));
    }
    if (done) break;
  }
  const rest = (buf + dec.decode()).trim();
  if (rest) fn(JSON.parse(rest));
}

async function loadReplay(minutes: number): Promise<void> {
  replayAbort?.abort();
  if (minutes <= 0) {
    backToLive();
    return;
  }
  const ac = new AbortController();
  replayAbort = ac;
  const at = new Date(Date.now() - minutes * 60000);
  at.setMilliseconds(0);
  const progress = $('replay-progress') as HTMLProgressElement;
  progress.hidden = false;
  progress.removeAttribute('value');
  try {
    const res = await fetch(`/api/v1/replay?at=${encodeURIComponent(at.toISOString().replace('.000Z', 'Z'))}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/x-ndjson' },
      signal: ac.signal,
    });
    if (!res.ok || !res.body) {
      let message = `${res.status}`;
      try {
        const b = (await res.json()) as { error?: { message?: string } };
        message = b.error?.message ?? message;
      } catch {
        // keep the status
      }
      throw new ApiError(res.status, '', message);
    }
    let snapshot: Extract<ReplayLine, { type: 'snapshot' }> | null = null;
    await readNDJSON(res.body, (v) => {
      const line = v as ReplayLine;
      if (line.type === 'progress') {
        progress.max = Math.max(1, line.total);
        progress.value = Math.min(line.done, progress.max);
      } else if (line.type === 'snapshot') {
        snapshot = line;
      } else if (line.type === 'error') {
        throw new ApiError(0, '', line.message);
      }
    });
    if (ac.signal.aborted) return;
    if (!snapshot) throw new ApiError(0, '', 'no snapshot in the replay');
    const snap = snapshot as Extract<ReplayLine, { type: 'snapshot' }>;
    const tracks = new Map<string, Track>();
    const trails = new Map<string, TrailPoint[]>();
    for (const tr of snap.tracks ?? []) {
      tracks.set(tr.id, tr);
      trails.set(tr.id, tr.trail ?? []);
    }
    const alerts = new Map<number, Alert>();
    for (const a of snap.alerts ?? []) alerts.set(a.id, a);
    ctx.replay = { at: new Date(snap.time || at), tracks, trails, alerts };
    $('back-live').hidden = false;
    invalidate('all');
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    toast(t('replay.failed', { message: (e as Error).message }), 'error');
  } finally {
    if (replayAbort === ac) {
      progress.hidden = true;
      replayAbort = null;
    }
    renderClocks();
  }
}

export function backToLive(): void {
  replayAbort?.abort();
  replayAbort = null;
  ctx.replay = null;
  ($('replay-slider') as HTMLInputElement).value = '0';
  $('replay-progress').hidden = true;
  $('back-live').hidden = true;
  renderClocks();
  invalidate('all');
}

export function installTimebar(): void {
  const slider = $('replay-slider') as HTMLInputElement;
  slider.addEventListener('input', renderClocks);
  // Releasing the slider (change) fetches the replay.
  slider.addEventListener('change', () => void loadReplay(Number(slider.value)));
  $('back-live').addEventListener('click', backToLive);
  renderClocks();
  setInterval(renderClocks, 1000);
}
