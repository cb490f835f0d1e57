// The live picture as the client holds it: tracks and alerts kept from the
// feed's snapshot, delta and alert messages. Pure: no DOM, no network.

import type { Alert, FeedMsg, TrailPoint, Track } from './types';

// TRAIL_MS is how much of each track's trail the client keeps.
export const TRAIL_MS = 2 * 60 * 1000;

// Outcome of applying one message.
export type Applied =
  | { kind: 'ok'; tracks: boolean; alerts: boolean; alert?: Alert; alertKind?: string }
  | { kind: 'resync'; reason: string }
  | { kind: 'error'; message: string }
  | { kind: 'ignored' };

export class Picture {
  tracks = new Map<string, Track>();
  trails = new Map<string, TrailPoint[]>();
  alerts = new Map<number, Alert>();
  // seq of the last message applied; -1 before the first snapshot.
  seq = -1;
  time = '';

  // apply applies one feed message. A snapshot always replaces the whole
  // state. Any other message before the first snapshot asks for a resync
  // (reconnect), one at or below the last seq applied is ignored, and one
  // above it is applied even if seqs were skipped: seq numbers every
  // message of the hub, not of this client. The server folds the track
  // batches a slow client missed into one delta with the newest batch's
  // seq and every change since, sends the lowest seq first (so an alert or
  // heartbeat may come before the delta holding the seqs below it), never
  // drops an alert (it sends a snapshot instead), and on a resume sends
  // the missed alerts alone, then a snapshot. Treating a skipped seq as a
  // loss would reconnect a busy console over and over, and a resume with
  // missed alerts forever.
  apply(msg: FeedMsg): Applied {
    switch (msg.type) {
      case 'snapshot':
        this.applySnapshot(msg.tracks ?? [], msg.alerts ?? []);
        this.seq = msg.seq;
        this.time = msg.time;
        return { kind: 'ok', tracks: true, alerts: true };
      case 'tracks':
      case 'alert':
      case 'heartbeat': {
        if (this.seq < 0) return { kind: 'resync', reason: 'no snapshot yet' };
        if (msg.seq <= this.seq) return { kind: 'ignored' };
        this.seq = msg.seq;
        if (msg.type === 'heartbeat') {
          this.time = msg.time;
          return { kind: 'ok', tracks: false, alerts: false };
        }
        if (msg.type === 'tracks') {
          this.time = msg.time;
          this.applyTracks(msg.tracks ?? [], msg.deleted ?? []);
          return { kind: 'ok', tracks: true, alerts: false };
        }
        this.alerts.set(msg.alert.id, msg.alert);
        return { kind: 'ok', tracks: false, alerts: true, alert: msg.alert, alertKind: msg.kind };
      }
      case 'error':
        return { kind: 'error', message: msg.message };
      default:
        return { kind: 'ignored' };
    }
  }

  private applySnapshot(tracks: Track[], alerts: Alert[]): void {
    const old = this.trails;
    this.tracks = new Map();
    this.trails = new Map();
    for (const t of tracks) {
      this.tracks.set(t.id, t);
      const trail = mergeTrail(old.get(t.id) ?? [], t.trail ?? []);
      this.trails.set(t.id, appendPoint(trail, t));
    }
    this.alerts = new Map();
    for (const a of alerts) this.alerts.set(a.id, a);
  }

  private applyTracks(tracks: Track[], deleted: string[]): void {
    for (const t of tracks) {
      const prev = this.tracks.get(t.id);
      // Latest wins: an older state never replaces a newer one.
      if (prev && Date.parse(prev.time) > Date.parse(t.time)) continue;
      this.tracks.set(t.id, t);
      this.trails.set(t.id, appendPoint(this.trails.get(t.id) ?? [], t));
    }
    for (const id of deleted) {
      this.tracks.delete(id);
      this.trails.delete(id);
    }
  }

  // openAlertsByTrack maps each track id to its open alerts.
  openAlertsByTrack(): Map<string, Alert[]> {
    const m = new Map<string, Alert[]>();
    for (const a of this.alerts.values()) {
      if (!isOpen(a)) continue;
      for (const id of [a.track, ...(a.members ?? [])]) {
        if (!id) continue;
        const l = m.get(id);
        if (l) l.push(a);
        else m.set(id, [a]);
      }
    }
    return m;
  }
}

export function isOpen(a: Alert): boolean {
  return a.state === 'new' || a.state === 'acknowledged' || a.state === 'assigned';
}

function mergeTrail(kept: TrailPoint[], server: TrailPoint[]): TrailPoint[] {
  if (server.length === 0) return kept;
  const last = Date.parse(server[server.length - 1].time);
  return [...server, ...kept.filter((p) => Date.parse(p.time) > last)];
}

// appendPoint adds the track's position to its trail and drops points older
// than TRAIL_MS before it.
export function appendPoint(trail: TrailPoint[], t: Track): TrailPoint[] {
  const now = Date.parse(t.time);
  const out = trail.filter((p) => now - Date.parse(p.time) <= TRAIL_MS && Date.parse(p.time) < now);
  out.push({ time: t.time, lat: t.position.lat, lon: t.position.lon });
  return out;
}
