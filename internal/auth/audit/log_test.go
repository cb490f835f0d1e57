package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/errs"
)

func TestAppendValidates(t *testing.T) {
	l, m, _ := newTestLog(t, 0)
	cases := []struct {
		name string
		edit func(*Entry)
		says string
	}{
		{"no actor", func(e *Entry) { e.Actor = "" }, "actor: required"},
		{"long actor", func(e *Entry) { e.Actor = strings.Repeat("a", MaxActor+1) }, "actor: 129 bytes, longer than 128"},
		{"control in actor", func(e *Entry) { e.Actor = "a\nb" }, "actor: holds a control character"},
		{"bad UTF-8 force", func(e *Entry) { e.Force = "\xff" }, "force: not valid UTF-8"},
		{"no action", func(e *Entry) { e.Action = "" }, "action: required"},
		{"undotted action", func(e *Entry) { e.Action = "acknowledge" }, `action: "acknowledge" is not a dotted lower-case name`},
		{"upper-case action", func(e *Entry) { e.Action = "Alert.Ack" }, "action:"},
		{"long object", func(e *Entry) { e.Object = strings.Repeat("o", MaxObject+1) }, "object: 257 bytes"},
		{"long sector", func(e *Entry) { e.Sector = strings.Repeat("s", MaxSector+1) }, "sector: 65 bytes"},
		{"no outcome", func(e *Entry) { e.Outcome = "" }, `outcome: "" is not "ok" or "refused"`},
		{"bad outcome", func(e *Entry) { e.Outcome = "failed" }, `outcome: "failed"`},
		{"detail not an object", func(e *Entry) { e.Detail = []byte(`[]`) }, "detail: not a JSON object"},
	}
	for _, c := range cases {
		e := sampleEntry(1)
		c.edit(&e)
		_, err := l.Append(context.Background(), e)
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want invalid saying %q", c.name, err, c.says)
		}
	}
	if len(m.entries) != 0 {
		t.Fatalf("%d entries appended by refused calls", len(m.entries))
	}
}

func TestAppendStampsAndChains(t *testing.T) {
	l, m, _ := newTestLog(t, 0)
	ctx := context.Background()
	in := sampleEntry(1)
	in.Seq, in.Time, in.Hash, in.PrevHash = 99, t0.Add(-time.Hour), Hash{1}, Hash{2}
	e1, err := l.Append(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if e1.Seq != 1 || !e1.PrevHash.IsZero() || !e1.Time.Equal(t0.Add(time.Second)) || e1.Time.Location() != time.UTC {
		t.Fatalf("first entry %+v", e1)
	}
	if string(e1.Detail) != `{"n":1,"note":"seen <1> & é"}` {
		t.Fatalf("detail %s, want it canonical", e1.Detail)
	}
	if e1.Hash != HashEntry(&e1) {
		t.Fatal("hash is not the entry's")
	}
	e2, err := l.Append(ctx, Entry{Actor: "system", Action: "login.lockout", Outcome: OutcomeRefused})
	if err != nil {
		t.Fatal(err)
	}
	if e2.Seq != 2 || e2.PrevHash != e1.Hash || string(e2.Detail) != "{}" {
		t.Fatalf("second entry %+v", e2)
	}
	if len(m.entries) != 2 || m.entries[1].Hash != e2.Hash {
		t.Fatalf("stored %+v", m.entries)
	}
}

func TestAutomaticCheckpoints(t *testing.T) {
	_, m, v := newTestLog(t, 12)
	var sizes []uint64
	for _, cp := range m.checkpoints {
		sizes = append(sizes, cp.Size)
	}
	if fmt.Sprint(sizes) != "[5 10]" {
		t.Fatalf("checkpoints at %v, want [5 10]", sizes)
	}
	if cp := m.checkpoints[1]; cp.Hash != m.entries[9].Hash {
		t.Fatalf("checkpoint 10 hash %s, want entry 10's", cp.Hash)
	}
	r, err := Verify(context.Background(), m, v)
	if err != nil || !r.OK() || r.Checkpoints != 2 {
		t.Fatalf("verify %+v %v", r, err)
	}
}

func TestCheckpoint(t *testing.T) {
	ctx := context.Background()
	l, m, v := newTestLog(t, 0)
	_, err := l.Checkpoint(ctx)
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("checkpoint of an empty trail: %v", err)
	}
	for i := range 3 {
		if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil || cp.Size != 3 || cp.Hash != m.entries[2].Hash {
		t.Fatalf("checkpoint %+v %v", cp, err)
	}
	if !strings.HasPrefix(cp.Note, "raqib.audit\n3\n") || !strings.Contains(cp.Note, "\n\n— raqib-audit-testdata ") {
		t.Fatalf("note %q", cp.Note)
	}
	again, err := l.Checkpoint(ctx)
	if err != nil || again != cp || len(m.checkpoints) != 1 {
		t.Fatalf("second checkpoint of the same size: %+v %v (%d stored)", again, err, len(m.checkpoints))
	}
	r, err := Verify(ctx, m, v)
	if err != nil || !r.OK() || r.Checkpoints != 1 {
		t.Fatalf("verify %+v %v", r, err)
	}

	unsigned, err := New(m, nil, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unsigned.Checkpoint(ctx); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("checkpoint without a key: %v", err)
	}
	if _, err := unsigned.Append(ctx, sampleEntry(9)); err != nil {
		t.Fatal(err)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(nil, nil, Config{}, nil); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("nil store: %v", err)
	}
	for _, origin := range []string{"two\nlines", "\xff", strings.Repeat("o", 257)} {
		if _, err := New(&memStore{}, nil, Config{Origin: origin}, nil); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("origin %q: %v", origin, err)
		}
	}
}

// failingStore fails every checkpoint it is asked to store.
type failingStore struct{ memStore }

func (f *failingStore) AddAuditCheckpoint(context.Context, Checkpoint) error {
	return errs.E(errs.Unavailable, "database disk is full")
}

func TestCheckpointFailureDoesNotFailAppend(t *testing.T) {
	s, _ := testKeys(t)
	f := &failingStore{}
	l, err := New(f, s, Config{CheckpointEvery: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(context.Background(), sampleEntry(1))
	if err != nil || e.Seq != 1 {
		t.Fatalf("append: %+v %v", e, err)
	}
	if _, err := l.Checkpoint(context.Background()); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("explicit checkpoint: %v", err)
	}
}

func TestAppendStoreError(t *testing.T) {
	l, _, _ := newTestLog(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.store = &cancelledStore{}
	if _, err := l.Append(ctx, sampleEntry(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("append on a failing store: %v", err)
	}
}

type cancelledStore struct{ memStore }

func (*cancelledStore) AppendAudit(ctx context.Context, e Entry, seal func(*Entry) error) (Entry, error) {
	return Entry{}, ctx.Err()
}

// TestConcurrentAppends: 8 goroutines appending leave one intact chain.
func TestConcurrentAppends(t *testing.T) {
	l, m, v := newTestLog(t, 0)
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := l.Append(context.Background(), sampleEntry(w*each+i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	r, err := Verify(context.Background(), m, v)
	if err != nil || !r.OK() || r.Entries != workers*each || r.Checkpoints != workers*each/5 {
		t.Fatalf("verify %+v %v %v", r, r.Problem, err)
	}
}
