package eventlog

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"raqib/internal/errs"
)

// appendMany appends n records from several goroutines and returns the
// payload acknowledged at each position.
func appendMany(t *testing.T, l *Log, n int) map[Position][]byte {
	t.Helper()
	var mu sync.Mutex
	acked := map[Position][]byte{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				p := payloadFor(i)
				pos, err := l.Append(t.Context(), 1, p)
				if err != nil {
					t.Errorf("append %d: %v", i, err)
					return
				}
				mu.Lock()
				acked[pos] = p
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return acked
}

// checkHolds fails unless the log holds exactly the acknowledged records.
func checkHolds(t *testing.T, l *Log, acked map[Position][]byte) {
	t.Helper()
	recs := collectFrom(t, l, Position{})
	if len(recs) != len(acked) {
		t.Errorf("log holds %d records, %d were acknowledged", len(recs), len(acked))
	}
	for _, r := range recs {
		if want, ok := acked[r.Position]; !ok || !bytes.Equal(want, r.Payload) {
			t.Errorf("record at %v = %q, acknowledged %q", r.Position, r.Payload, want)
		}
	}
}

func TestReopenKeepsAcknowledged(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(t.Context(), Config{Dir: dir, MaxBytes: 1 << 30, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	acked := appendMany(t, first, 300)
	last, err := first.Last(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	again := openLog(t, Config{Dir: dir})
	checkHolds(t, again, acked)
	if got, err := again.Last(t.Context()); err != nil || got != last {
		t.Errorf("Last after reopen = %v, %v; want %v", got, err, last)
	}
	pos, err := again.Append(t.Context(), 1, []byte("after reopen"))
	if err != nil || !last.Less(pos) {
		t.Errorf("Append after reopen = %v, %v; want a position after %v", pos, err, last)
	}
}

// TestUncleanStopKeepsAcknowledged opens a copy of the store taken while
// the server runs: what a crash leaves (the stream's index is stale, so the
// server rebuilds its state from the message blocks).
func TestUncleanStopKeepsAcknowledged(t *testing.T) {
	dir := t.TempDir()
	running := openLog(t, Config{Dir: dir})
	acked := appendMany(t, running, 300)
	last, err := running.Last(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	start := time.Now()
	recovered := openLog(t, Config{Dir: crashed})
	t.Logf("reopened after an unclean stop in %v", time.Since(start))
	checkHolds(t, recovered, acked)
	pos, err := recovered.Append(t.Context(), 1, []byte("after the crash"))
	if err != nil || !last.Less(pos) {
		t.Errorf("Append after recovery = %v, %v; want a position after %v", pos, err, last)
	}
}

// startExternal starts a standalone NATS server with JetStream on a random
// loopback port, as an operator's server would run.
func startExternal(t *testing.T, dir string, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		ServerName: "external", Host: "127.0.0.1", Port: port,
		JetStream: true, StoreDir: dir, SyncAlways: true, NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("external server not ready")
	}
	return srv
}

func TestExternalServer(t *testing.T) {
	srv := startExternal(t, t.TempDir(), -1)
	t.Cleanup(func() { shutdownEmbedded(srv) })

	l := openLog(t, Config{URL: srv.ClientURL(), PublishTimeout: time.Second})
	if l.ClientURL() != "" {
		t.Errorf("ClientURL in external mode = %q, want empty", l.ClientURL())
	}
	acked := appendMany(t, l, 100)
	checkHolds(t, l, acked)
	if err := l.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestExternalServerOutage stops the external server under the log: appends
// fail as unavailable, and work again by themselves once it is back.
func TestExternalServerOutage(t *testing.T) {
	dir := t.TempDir()
	srv := startExternal(t, dir, -1)
	port := srv.Addr().(*net.TCPAddr).Port
	l := openLog(t, Config{URL: srv.ClientURL(), PublishTimeout: 500 * time.Millisecond})
	acked := appendMany(t, l, 20)

	shutdownEmbedded(srv)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	_, err := l.Append(ctx, 1, []byte("during the outage"))
	cancel()
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Append with the server down: %v, want unavailable", err)
	}
	if err := l.Ping(t.Context()); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Ping with the server down: %v, want unavailable", err)
	}

	srv = startExternal(t, dir, port)
	t.Cleanup(func() { shutdownEmbedded(srv) })
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		pos, err := l.Append(ctx, 1, []byte("after the outage"))
		if err == nil {
			acked[pos] = []byte("after the outage")
		}
		return err
	})
	// The record refused during the outage may or may not have been
	// stored; everything acknowledged is there.
	recs := collectFrom(t, l, Position{})
	for pos, p := range acked {
		found := false
		for _, r := range recs {
			if r.Position == pos && bytes.Equal(r.Payload, p) {
				found = true
			}
		}
		if !found {
			t.Errorf("acknowledged record at %v is missing", pos)
		}
	}
}
