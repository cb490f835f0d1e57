import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';

import { Feed, MAX_BACKOFF_MS, MIN_BACKOFF_MS, type FeedEvents, type Socket } from '../src/feed';
import { Picture } from '../src/state';

// FakeSocket records every socket the feed opens.
class FakeSocket implements Socket {
  static all: FakeSocket[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.({} as Event);
  }

  send(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }

  // drop is the server or network closing the connection.
  drop(): void {
    this.closed = true;
    this.onclose?.({} as CloseEvent);
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1];

const snapshot = (seq: number) => ({ type: 'snapshot', seq, time: '2026-12-06T20:00:00Z', tracks: [], alerts: [] });
const heartbeat = (seq: number) => ({ type: 'heartbeat', seq, time: '2026-12-06T20:00:05Z' });

interface Run {
  feed: Feed;
  waits: (number | undefined)[];
}

function start(random = 0): Run {
  const waits: (number | undefined)[] = [];
  const on: FeedEvents = {
    applied() {},
    status(state, retryInS) {
      if (state === 'down') waits.push(retryInS);
    },
    closedByServer() {},
  };
  const feed = new Feed(new Picture(), on, { socket: FakeSocket, location: { protocol: 'https:', host: 'cop.example:8443' }, random: () => random });
  feed.start();
  return { feed, waits };
}

beforeEach(() => {
  FakeSocket.all = [];
  mock.timers.enable({ apis: ['setTimeout'] });
});

afterEach(() => {
  mock.timers.reset();
});

test('connects to the feed on the page origin, wss for https', () => {
  start();
  assert.equal(FakeSocket.all.length, 1);
  assert.equal(latest().url, 'wss://cop.example:8443/api/v1/feed');
});

test('a close reconnects after the backoff, doubling up to 30 s', () => {
  start();
  const want = [1, 2, 4, 8, 16, 30, 30, 30];
  for (const [i, s] of want.entries()) {
    latest().drop();
    const n = FakeSocket.all.length;
    mock.timers.tick(s * 1000 - 1);
    assert.equal(FakeSocket.all.length, n, `attempt ${i}: not before ${s} s`);
    mock.timers.tick(1);
    assert.equal(FakeSocket.all.length, n + 1, `attempt ${i}: reconnected after ${s} s`);
  }
  assert.equal(MAX_BACKOFF_MS, 30000);
});

test('the wait has jitter of under half a second', () => {
  const r = start(0.999);
  latest().drop();
  const n = FakeSocket.all.length;
  mock.timers.tick(MIN_BACKOFF_MS + 498);
  assert.equal(FakeSocket.all.length, n);
  mock.timers.tick(1);
  assert.equal(FakeSocket.all.length, n + 1);
  assert.deepEqual(r.waits, [2]);
});

test('a snapshot resets the backoff', () => {
  start();
  for (const s of [1, 2, 4]) {
    latest().drop();
    mock.timers.tick(s * 1000);
  }
  // Backoff is now 8 s; a snapshot brings it back to 1 s.
  latest().open();
  latest().send(snapshot(5));
  latest().drop();
  const n = FakeSocket.all.length;
  mock.timers.tick(MIN_BACKOFF_MS);
  assert.equal(FakeSocket.all.length, n + 1);
  assert.equal(latest().url, 'wss://cop.example:8443/api/v1/feed?resume=5');
});

test('a resync reconnects at once with resume=<last seq applied>', () => {
  // The picture asks for a resync for a message before any snapshot; here
  // it asks for one after seq 11 to drive the feed's side of it.
  class Asks extends Picture {
    override apply(msg: Parameters<Picture['apply']>[0]) {
      if (msg.type === 'heartbeat' && msg.seq === 13) return { kind: 'resync' as const, reason: 'test' };
      return super.apply(msg);
    }
  }
  const feed = new Feed(new Asks(), { applied() {}, status() {}, closedByServer() {} }, { socket: FakeSocket, location: { protocol: 'http:', host: 'cop:8080' }, random: () => 0 });
  feed.start();
  const first = latest();
  first.open();
  first.send(snapshot(10));
  first.send(heartbeat(11));
  first.send(heartbeat(13));
  assert.ok(first.closed, 'the old socket is closed');
  mock.timers.tick(0);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(latest().url, 'ws://cop:8080/api/v1/feed?resume=11');
  // Messages still arriving on the old socket are ignored.
  first.send(heartbeat(12));
  mock.timers.tick(60000);
  assert.equal(FakeSocket.all.length, 2);
});

test('skipped seqs do not reconnect', () => {
  start();
  const ws = latest();
  ws.open();
  ws.send(snapshot(10));
  ws.send({ type: 'alert', seq: 14, kind: 'raised', alert: { id: 1, rule: 'approach', severity: 'high', state: 'new', track: 'T-1', sector: 'S04', position: { lat: 34, lon: 41 }, summary: '', raised: '2026-12-06T20:00:00Z', updated: '2026-12-06T20:00:00Z', exercise: false } });
  ws.send({ type: 'tracks', seq: 20, time: '2026-12-06T20:00:01Z', tracks: [] });
  ws.send(heartbeat(21));
  mock.timers.tick(60000);
  assert.ok(!ws.closed);
  assert.equal(FakeSocket.all.length, 1);
});

test('a message before the first snapshot reconnects at once', () => {
  start();
  const ws = latest();
  ws.open();
  ws.send(heartbeat(3));
  assert.ok(ws.closed);
  mock.timers.tick(0);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(latest().url, 'wss://cop.example:8443/api/v1/feed');
});

test('stop() prevents reconnects', () => {
  const r = start();
  latest().drop();
  r.feed.stop();
  mock.timers.tick(60000);
  assert.equal(FakeSocket.all.length, 1);

  // Stopping an open feed closes its socket and does not reconnect.
  const r2 = start();
  const ws = latest();
  ws.open();
  r2.feed.stop();
  assert.ok(ws.closed);
  ws.drop();
  mock.timers.tick(60000);
  assert.equal(FakeSocket.all.length, 2);
});
