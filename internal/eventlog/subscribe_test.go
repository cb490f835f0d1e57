package eventlog

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"raqib/internal/errs"
)

// recorder collects what a subscription delivers.
type recorder struct {
	mu   sync.Mutex
	recs []Record
}

func (r *recorder) add(rec Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}

func (r *recorder) get() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.recs...)
}

func (r *recorder) waitFor(t *testing.T, n int) []Record {
	t.Helper()
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got := len(r.get()); got < n {
			return fmt.Errorf("%d of %d records delivered", got, n)
		}
		return nil
	})
	return r.get()
}

func TestSubscribeReplaysThenFollows(t *testing.T) {
	l := openLog(t, Config{})
	ctx := t.Context()
	var positions []Position
	for i := range 10 {
		pos, err := l.Append(ctx, 1, payloadFor(i))
		if err != nil {
			t.Fatal(err)
		}
		positions = append(positions, pos)
	}

	// After a position in the middle: the rest of the stored records, then
	// the new ones as they come.
	var rec recorder
	sub, err := l.Subscribe(ctx, positions[3], rec.add)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	for i := 10; i < 20; i++ {
		if _, err := l.Append(ctx, 1, payloadFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.waitFor(t, 16)
	for i, r := range got {
		if !bytes.Equal(r.Payload, payloadFor(4+i)) {
			t.Errorf("delivery %d = %q, want %q", i, r.Payload, payloadFor(4+i))
		}
	}
	sub.Stop()
	select {
	case <-sub.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	if _, err := l.Append(ctx, 1, payloadFor(20)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // nothing may arrive: there is no event to poll for
	if n := len(rec.get()); n != 16 {
		t.Errorf("%d records delivered after Stop, want 16", n)
	}
}

func TestSubscribeWithinMessage(t *testing.T) {
	l := openLog(t, Config{GroupCommitWindow: 50 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			if _, err := l.Append(t.Context(), 1, payloadFor(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	all := collectFrom(t, l, Position{})
	if st := l.Stats(); st.Messages >= 6 {
		t.Skipf("the appends did not share a message (%d messages)", st.Messages)
	}
	var mid Position
	for _, r := range all[1:] {
		if r.Position.Index > 0 {
			mid = r.Position
			break
		}
	}
	var rec recorder
	sub, err := l.Subscribe(t.Context(), mid, rec.add)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	want := collectFrom(t, l, mid)
	got := rec.waitFor(t, len(want))
	for i := range want {
		if got[i].Position != want[i].Position {
			t.Errorf("delivery %d at %v, want %v", i, got[i].Position, want[i].Position)
		}
	}
}

func TestSubscribeEndsOnCallbackError(t *testing.T) {
	l := openLog(t, Config{})
	for i := range 3 {
		if _, err := l.Append(t.Context(), 1, payloadFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	fail := errs.E(errs.Internal, "pipeline stopped")
	n := 0
	sub, err := l.Subscribe(t.Context(), Position{}, func(Record) error {
		n++
		if n == 2 {
			return fail
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription did not end")
	}
	if sub.Err() != fail || n != 2 {
		t.Errorf("Err = %v after %d records, want the callback's error after 2", sub.Err(), n)
	}
}

func TestSubscribeEndsWithContextAndClose(t *testing.T) {
	l := openLog(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	byCtx, err := l.Subscribe(ctx, Position{}, func(Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	byClose, err := l.Subscribe(t.Context(), Position{}, func(Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-byCtx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription outlived its context")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-byClose.Done():
	default:
		t.Error("subscription outlived Close")
	}
	if _, err := l.Subscribe(t.Context(), Position{}, func(Record) error { return nil }); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Subscribe after Close: %v, want unavailable", err)
	}
}
