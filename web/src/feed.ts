// The WebSocket feed: connects to /api/v1/feed on the page's origin,
// hands every message to the picture, reconnects with backoff and
// resume=<seq> when the connection drops or a gap in seq is seen.

import type { Picture, Applied } from './state';
import type { FeedMsg } from './types';

export interface FeedEvents {
  applied(msg: FeedMsg, r: Applied): void;
  status(state: 'connecting' | 'open' | 'down', retryInS?: number): void;
  closedByServer(message: string): void;
}

export const MIN_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 30000;
// JITTER_MS is the most added at random to a reconnect's wait.
export const JITTER_MS = 500;

// Socket is the part of WebSocket the feed uses.
export interface Socket {
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => Socket;

// FeedDeps are what the feed takes from the browser; tests pass fakes.
export interface FeedDeps {
  socket?: SocketConstructor;
  location?: Pick<Location, 'protocol' | 'host'>;
  random?: () => number;
}

export function feedURL(loc: Pick<Location, 'protocol' | 'host'>, seq: number): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = seq >= 0 ? `?resume=${seq}` : '';
  return `${scheme}//${loc.host}/api/v1/feed${q}`;
}

export class Feed {
  private ws: Socket | null = null;
  private backoff = MIN_BACKOFF_MS;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly picture: Picture,
    private readonly on: FeedEvents,
    private readonly deps: FeedDeps = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'signed out');
  }

  private connect(): void {
    if (this.stopped) return;
    this.on.status('connecting');
    const Ctor: SocketConstructor = this.deps.socket ?? WebSocket;
    const ws = new Ctor(feedURL(this.deps.location ?? location, this.picture.seq));
    this.ws = ws;
    ws.onopen = () => {
      this.on.status('open');
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws || typeof ev.data !== 'string') return;
      let msg: FeedMsg;
      try {
        msg = JSON.parse(ev.data) as FeedMsg;
      } catch {
        return;
      }
      const r = this.picture.apply(msg);
      if (r.kind === 'ok' && msg.type === 'snapshot') this.backoff = MIN_BACKOFF_MS;
      if (r.kind === 'resync') {
        // Reconnect at once with resume=<last applied seq>.
        this.drop(ws, 0);
        return;
      }
      if (r.kind === 'error') {
        this.on.closedByServer(r.message);
      }
      this.on.applied(msg, r);
    };
    ws.onclose = () => {
      if (ws === this.ws) this.drop(ws, this.backoff);
    };
    ws.onerror = () => {
      // onclose follows.
    };
  }

  private drop(ws: Socket, delay: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
    if (this.stopped) return;
    const random = this.deps.random ?? Math.random;
    const wait = delay + (delay > 0 ? Math.floor(random() * JITTER_MS) : 0);
    // A resync reconnects at once: not a lost feed.
    if (wait > 0) this.on.status('down', Math.ceil(wait / 1000));
    this.backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoff * 2));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }
}
