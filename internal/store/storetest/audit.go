package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth/audit"
	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// Audit checks an audit.Store. open returns a new, empty store for each
// subtest.
func Audit(t *testing.T, open func(t *testing.T) audit.Store) {
	t.Run("AppendAndRead", func(t *testing.T) { auditAppendAndRead(t, open(t)) })
	t.Run("SealErrorAborts", func(t *testing.T) { auditSealErrorAborts(t, open(t)) })
	t.Run("ScanPages", func(t *testing.T) { auditScanPages(t, open(t)) })
	t.Run("Range", func(t *testing.T) { auditRange(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { auditCheckpoints(t, open(t)) })
	t.Run("ConcurrentAppends", func(t *testing.T) { auditConcurrentAppends(t, open(t)) })
	t.Run("LogVerifyExport", func(t *testing.T) { auditLogVerifyExport(t, open(t)) })
}

var auditT0 = time.Date(2026, 3, 1, 6, 0, 0, 123456789, time.UTC)

// sealAt is a seal that stamps a fixed time.
func sealAt(at time.Time) func(*audit.Entry) error {
	return func(e *audit.Entry) error {
		e.Time = at
		e.Hash = audit.HashEntry(e)
		return nil
	}
}

func auditEntry(i int) audit.Entry {
	return audit.Entry{
		Actor: fmt.Sprintf("op%d", i), Force: "border-guard", Action: "alert.acknowledge",
		Object: fmt.Sprintf("alert/%d", i), Sector: "S06", Outcome: audit.OutcomeOK,
		Detail: []byte(fmt.Sprintf(`{"n":%d,"note":"é \"q\""}`, i)),
	}
}

// appendN appends n entries a minute apart from auditT0.
func appendN(t *testing.T, s audit.Store, n int) []audit.Entry {
	t.Helper()
	out := make([]audit.Entry, n)
	for i := range n {
		e, err := s.AppendAudit(context.Background(), auditEntry(i), sealAt(auditT0.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		out[i] = e
	}
	return out
}

func scanAll(t *testing.T, s audit.Store, after uint64) []audit.Entry {
	t.Helper()
	var got []audit.Entry
	if err := s.ScanAudit(context.Background(), after, func(e audit.Entry) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func sameEntry(t *testing.T, what string, got, want audit.Entry) {
	t.Helper()
	if !bytes.Equal(got.Detail, want.Detail) || !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Fatalf("%s: detail %s time %v, want %s %v", what, got.Detail, got.Time, want.Detail, want.Time)
	}
	if got.Seq != want.Seq || got.Actor != want.Actor || got.Force != want.Force || got.Action != want.Action ||
		got.Object != want.Object || got.Sector != want.Sector || got.Outcome != want.Outcome ||
		got.PrevHash != want.PrevHash || got.Hash != want.Hash {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func auditAppendAndRead(t *testing.T, s audit.Store) {
	ctx := context.Background()
	if _, ok, err := s.AuditTail(ctx); err != nil || ok {
		t.Fatalf("tail of an empty trail: %v %v", ok, err)
	}
	if got := scanAll(t, s, 0); len(got) != 0 {
		t.Fatalf("scan of an empty trail: %d entries", len(got))
	}
	var sealed []uint64
	for i := range 3 {
		in := auditEntry(i)
		in.Seq, in.PrevHash = 99, audit.Hash{1} // the store's to assign
		e, err := s.AppendAudit(ctx, in, func(e *audit.Entry) error {
			sealed = append(sealed, e.Seq)
			return sealAt(auditT0.Add(time.Duration(i) * time.Nanosecond))(e)
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != uint64(i+1) || len(sealed) != i+1 || sealed[i] != e.Seq {
			t.Fatalf("append %d: seq %d, sealed %v", i, e.Seq, sealed)
		}
	}
	got := scanAll(t, s, 0)
	if len(got) != 3 {
		t.Fatalf("scan: %d entries, want 3", len(got))
	}
	var prev audit.Hash
	for i, e := range got {
		want := auditEntry(i)
		want.Seq, want.Time, want.PrevHash, want.Hash = uint64(i+1), auditT0.Add(time.Duration(i)), prev, e.Hash
		sameEntry(t, fmt.Sprintf("entry %d", i+1), e, want)
		if e.Hash != audit.HashEntry(&e) {
			t.Fatalf("entry %d: stored hash is not the entry's hash", e.Seq)
		}
		prev = e.Hash
	}
	tail, ok, err := s.AuditTail(ctx)
	if err != nil || !ok {
		t.Fatalf("tail: %v %v", ok, err)
	}
	sameEntry(t, "tail", tail, got[2])
	if after := scanAll(t, s, 2); len(after) != 1 || after[0].Seq != 3 {
		t.Fatalf("scan after 2: %+v", after)
	}
	if after := scanAll(t, s, 3); len(after) != 0 {
		t.Fatalf("scan after the last: %d entries", len(after))
	}
}

func auditSealErrorAborts(t *testing.T, s audit.Store) {
	ctx := context.Background()
	appendN(t, s, 2)
	boom := errors.New("boom")
	_, err := s.AppendAudit(ctx, auditEntry(9), func(*audit.Entry) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("append with a failing seal: %v, want it wrapped", err)
	}
	if tail, _, err := s.AuditTail(ctx); err != nil || tail.Seq != 2 {
		t.Fatalf("tail after an aborted append: %d %v", tail.Seq, err)
	}
	e, err := s.AppendAudit(ctx, auditEntry(3), sealAt(auditT0))
	if err != nil || e.Seq != 3 {
		t.Fatalf("append after an aborted one: seq %d %v, want 3", e.Seq, err)
	}
}

func auditScanPages(t *testing.T, s audit.Store) {
	ctx := context.Background()
	const n = 700 // more than a page of the SQLite store
	appendN(t, s, n)
	calls := 0
	err := s.ScanAudit(ctx, 0, func(e audit.Entry) error {
		calls++
		if e.Seq != uint64(calls) {
			return fmt.Errorf("entry %d at call %d", e.Seq, calls)
		}
		if calls%300 == 0 { // the callback may use the store
			if _, _, err := s.AuditTail(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || calls != n {
		t.Fatalf("scan: %d calls, %v", calls, err)
	}
	stop := errors.New("stop")
	calls = 0
	err = s.ScanAudit(ctx, 0, func(audit.Entry) error {
		calls++
		if calls == 600 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 600 {
		t.Fatalf("stopped scan: %d calls, %v", calls, err)
	}
}

func auditRange(t *testing.T, s audit.Store) {
	ctx := context.Background()
	appendN(t, s, 10)
	seqs := func(from, to time.Time) []uint64 {
		var out []uint64
		if err := s.AuditRange(ctx, from, to, func(e audit.Entry) error {
			out = append(out, e.Seq)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	at := func(i int) time.Time { return auditT0.Add(time.Duration(i) * time.Minute) }
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"closed", at(2), at(5), "[3 4 5]"},
		{"from is inclusive, to exclusive", at(2), at(2).Add(time.Nanosecond), "[3]"},
		{"open start", time.Time{}, at(2), "[1 2]"},
		{"open end", at(8), time.Time{}, "[9 10]"},
		{"open", time.Time{}, time.Time{}, "[1 2 3 4 5 6 7 8 9 10]"},
		{"empty", at(5), at(5), "[]"},
		{"backwards", at(6), at(5), "[]"},
		{"after the last", at(11), time.Time{}, "[]"},
	} {
		if got := fmt.Sprint(seqs(c.from, c.to)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func auditCheckpoints(t *testing.T, s audit.Store) {
	ctx := context.Background()
	list := func() []audit.Checkpoint {
		var out []audit.Checkpoint
		if err := s.AuditCheckpoints(ctx, func(cp audit.Checkpoint) error {
			out = append(out, cp)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("checkpoints of an empty store: %d", len(got))
	}
	for _, size := range []uint64{3, 1, 2} {
		cp := audit.Checkpoint{Size: size, Hash: audit.Hash{byte(size)}, Time: auditT0.Add(time.Duration(size)), Note: fmt.Sprintf("note %d\n", size)}
		if err := s.AddAuditCheckpoint(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	got := list()
	if len(got) != 3 {
		t.Fatalf("%d checkpoints, want 3", len(got))
	}
	for i, cp := range got {
		size := uint64(i + 1)
		if cp.Size != size || cp.Hash != (audit.Hash{byte(size)}) || !cp.Time.Equal(auditT0.Add(time.Duration(size))) ||
			cp.Note != fmt.Sprintf("note %d\n", size) {
			t.Fatalf("checkpoint %d: %+v", i, cp)
		}
	}
	err := s.AddAuditCheckpoint(ctx, audit.Checkpoint{Size: 2, Note: "again\n"})
	wantCode(t, "second checkpoint of a size", err, errs.Conflict)
	err = s.AddAuditCheckpoint(ctx, audit.Checkpoint{Size: 0, Note: "zero\n"})
	wantCode(t, "checkpoint of size 0", err, errs.Invalid)
	stop := errors.New("stop")
	if err := s.AuditCheckpoints(ctx, func(audit.Checkpoint) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("stopped listing: %v", err)
	}
}

// testLog returns a Log over s that signs a checkpoint every 10 entries,
// and the verifiers of its key.
func testLog(t *testing.T, s audit.Store) (*audit.Log, note.Verifiers) {
	t.Helper()
	skey, vkey, err := audit.GenerateKey("storetest")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.ParseSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifiers, err := audit.Verifiers(vkey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(s, signer, audit.Config{CheckpointEvery: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l, verifiers
}

// auditConcurrentAppends appends from 8 goroutines through the Log: every
// entry gets its own sequence number and the chain verifies.
func auditConcurrentAppends(t *testing.T, s audit.Store) {
	ctx := context.Background()
	l, verifiers := testLog(t, s)
	const workers, each = 8, 25
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e := auditEntry(w*each + i)
				e.Actor = fmt.Sprintf("op%d", w)
				got, err := l.Append(ctx, e)
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				dup := seen[got.Seq]
				seen[got.Seq] = true
				mu.Unlock()
				if dup {
					errc <- fmt.Errorf("sequence number %d given twice", got.Seq)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	r, err := audit.Verify(ctx, s, verifiers)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Entries != workers*each || r.Last != workers*each || r.Checkpoints != workers*each/10 || r.Unverified != 0 {
		t.Fatalf("report %+v, problem %v", r, r.Problem)
	}
}

// auditLogVerifyExport runs the Log, verifies the store, exports it and
// verifies the export.
func auditLogVerifyExport(t *testing.T, s audit.Store) {
	ctx := context.Background()
	l, verifiers := testLog(t, s)
	for i := range 25 {
		if _, err := l.Append(ctx, auditEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil || cp.Size != 25 {
		t.Fatalf("checkpoint: %+v %v", cp, err)
	}
	r, err := audit.Verify(ctx, s, verifiers)
	if err != nil || !r.OK() || r.Entries != 25 || r.Checkpoints != 3 {
		t.Fatalf("verify: %+v %v %v", r, r.Problem, err)
	}
	var buf bytes.Buffer
	if err := audit.Export(ctx, s, time.Time{}, time.Time{}, &buf); err != nil {
		t.Fatal(err)
	}
	xr, err := audit.VerifyExport(&buf, verifiers)
	if err != nil || !xr.OK() || xr.Entries != 25 || xr.Checkpoints != 3 || xr.Head != r.Head {
		t.Fatalf("verify export: %+v %v %v", xr, xr.Problem, err)
	}
}
