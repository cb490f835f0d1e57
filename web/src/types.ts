// Wire types of the server's JSON, as the front end uses them.

export interface LatLon {
  lat: number;
  lon: number;
}

export interface TrailPoint {
  time: string;
  lat: number;
  lon: number;
}

export interface Predicted {
  time: string;
  sigma_s: number;
  lat: number;
  lon: number;
}

export interface Track {
  id: string;
  status: string;
  time: string;
  position: LatLon;
  mgrs: string;
  speed_mps: number;
  course_deg: number;
  sigma_m: number;
  class: string;
  count: number;
  friendly: boolean;
  unit?: string;
  exercise: boolean;
  sector: string;
  side: string;
  distance_m: number;
  chainage_km: number;
  born: string;
  last_seen: string;
  hits: number;
  sensors: string[];
  trail?: TrailPoint[];
  predicted?: Predicted | null;
}

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type AlertState = 'new' | 'acknowledged' | 'assigned' | 'resolved' | 'dismissed';

export interface Evidence {
  sensor: string;
  seq: number;
  time: string;
}

export interface Alert {
  id: number;
  key?: string;
  rule: string;
  severity: Severity;
  state: AlertState;
  track: string;
  members?: string[];
  sector: string;
  position: LatLon;
  chainage_m?: number;
  distance_m?: number;
  class?: string;
  count?: number;
  zone?: string;
  barrier?: string;
  crossing?: string;
  predicted_crossing?: string;
  summary: string;
  // active: the rule's condition still holds (false once it ended, and
  // for a crossing, which is an instant).
  active?: boolean;
  raised: string;
  updated: string;
  ack_by?: string;
  assigned_to?: string;
  resolved_by?: string;
  note?: string;
  dismiss_reason?: string;
  evidence?: Evidence[];
  exercise: boolean;
}

export interface AlertChange {
  kind: string;
  alert: Alert;
  at: string;
  by?: string;
  from?: string;
}

export interface Principal {
  user: string;
  force: string;
  roles: string[];
  sectors: string[] | string;
  must_change: boolean;
  csrf?: string;
  actions: string[];
}

export interface Sensor {
  id: string;
  kind: string;
  health: 'ok' | 'degraded' | 'offline' | 'tampered' | string;
  since: string;
  last_seen?: string;
  sector?: string;
}

export interface Sector {
  id: string;
  name: string;
  name_ar?: string;
  from_km: number;
  to_km: number;
  province?: string;
  command?: string;
  force?: string;
  threat?: string;
  cameras: number;
  crossings: number;
}

// Feed messages (server → client).
export interface SnapshotMsg {
  type: 'snapshot';
  seq: number;
  time: string;
  tracks: Track[];
  alerts: Alert[];
}
export interface TracksMsg {
  type: 'tracks';
  seq: number;
  time: string;
  tracks: Track[];
  deleted?: string[];
}
export interface AlertMsg {
  type: 'alert';
  seq: number;
  kind: string;
  alert: Alert;
}
export interface HeartbeatMsg {
  type: 'heartbeat';
  seq: number;
  time: string;
}
export interface ErrorMsg {
  type: 'error';
  message: string;
}
export type FeedMsg = SnapshotMsg | TracksMsg | AlertMsg | HeartbeatMsg | ErrorMsg;
