package audit

import (
	"context"
	"strings"
	"testing"
)

// reseal recomputes the hashes of entries from i on, as someone rewriting
// the trail would.
func reseal(entries []Entry, i int) {
	for ; i < len(entries); i++ {
		if i > 0 {
			entries[i].PrevHash = entries[i-1].Hash
		}
		entries[i].Hash = HashEntry(&entries[i])
	}
}

func TestVerifyEntries(t *testing.T) {
	_, m, v := newTestLog(t, 12) // checkpoints at 5 and 10
	clean := func() []Entry { return append([]Entry(nil), m.entries...) }
	cases := []struct {
		name  string
		edit  func() []Entry
		kind  ProblemKind
		seq   uint64
		says  string
		first uint64
	}{
		{"clean", clean, "", 0, "", 1},
		{"altered", func() []Entry { e := clean(); e[6].Actor = "op9"; return e }, Altered, 7,
			"entry 7: altered: stored hash " + m.entries[6].Hash.Short() + " does not match its content (", 1},
		{"duplicate", func() []Entry { e := clean(); return append(e[:3], e[2:]...) }, Inserted, 3,
			"entry 3: inserted: a second entry 3 follows the first", 1},
		{"out of order", func() []Entry { e := clean(); return append(e[:4:4], e[1]) }, Inserted, 2,
			"entry 2: inserted: out of order after entry 4", 1},
		{"gap", func() []Entry { e := clean(); return append(e[:3:3], e[5:]...) }, Removed, 4,
			"entries 4..5 missing: removed (entry 6 follows entry 3)", 1},
		{"entry 1 linked to something", func() []Entry { e := clean(); e[0].PrevHash = Hash{9}; reseal(e, 0); return e }, Inserted, 1,
			"entry 1: inserted: its previous hash 09000000… is not zero", 1},
		{"rewritten from entry 7", func() []Entry { e := clean(); e[6].Actor = "op9"; reseal(e, 6); return e }, BadCheckpoint, 10,
			"checkpoint at size 10: its hash", 1},
		{"cut at the end", func() []Entry { return clean()[:8] }, Removed, 9,
			"entries 9..10 missing: removed (a checkpoint at size 10 was signed; the trail ends at entry 8)", 1},
		{"starting mid-chain", func() []Entry { return clean()[5:] }, "", 0, "", 6},
		{"starting mid-chain, altered", func() []Entry { e := clean()[5:]; e[0].Object = "x"; return e }, Altered, 6, "entry 6: altered", 6},
	}
	for _, c := range cases {
		r := VerifyEntries(c.edit(), m.checkpoints, v)
		if c.kind == "" {
			if !r.OK() || r.First != c.first {
				t.Errorf("%s: %+v %v", c.name, r, r.Problem)
			}
			continue
		}
		if r.OK() || r.Problem.Kind != c.kind || r.Problem.Seq != c.seq || !strings.Contains(r.Problem.Message, c.says) {
			t.Errorf("%s: %+v, want %s at %d saying %q", c.name, r.Problem, c.kind, c.seq, c.says)
		}
	}
	r := VerifyEntries(m.entries[5:], m.checkpoints, v)
	if r.Skipped != 1 || r.Checkpoints != 1 || r.Entries != 7 {
		t.Errorf("mid-chain counts %+v", r)
	}
}

func TestVerifyStore(t *testing.T) {
	ctx := context.Background()
	_, m, v := newTestLog(t, 12)
	r, err := Verify(ctx, m, v)
	if err != nil || !r.OK() || r.Entries != 12 || r.Checkpoints != 2 || r.Head != m.entries[11].Hash {
		t.Fatalf("clean: %+v %v", r, err)
	}
	r, err = Verify(ctx, m, nil)
	if err != nil || !r.OK() || r.Unverified != 2 {
		t.Fatalf("without verifiers: %+v %v", r, err)
	}

	m.entries = m.entries[1:]
	r, err = Verify(ctx, m, v)
	if err != nil || r.OK() || r.Problem.Message != "entry 1 missing: removed (the trail starts at entry 2)" {
		t.Fatalf("first removed: %+v %v", r.Problem, err)
	}
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "entry 1 missing") {
		t.Fatalf("Err: %v", r.Err())
	}
}

func TestVerifyCheckpointProblems(t *testing.T) {
	ctx := context.Background()
	signer, v := testKeys(t)
	sign := func(size uint64, h Hash) Checkpoint {
		cp, err := signCheckpoint(signer, DefaultOrigin, &Entry{Seq: size, Hash: h}, t0)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	_, m, _ := newTestLog(t, 3)

	zero := sign(0, Hash{})
	r := VerifyEntries(m.entries, []Checkpoint{zero}, v)
	if r.OK() || r.Problem.Message != "checkpoint at size 0: there is no entry 0" {
		t.Errorf("size 0: %v", r.Problem)
	}

	moved := sign(2, m.entries[1].Hash)
	moved.Size = 3
	r = VerifyEntries(m.entries, []Checkpoint{moved}, v)
	if r.OK() || !strings.Contains(r.Problem.Message, "checkpoint at size 3: stored fields (size 3") {
		t.Errorf("stored size changed: %v", r.Problem)
	}

	garbled := sign(2, m.entries[1].Hash)
	garbled.Note = "not a note"
	r = VerifyEntries(m.entries, []Checkpoint{garbled}, v)
	if r.OK() || r.Problem.Message != "checkpoint at size 2: signature does not verify: malformed note" {
		t.Errorf("garbled: %v", r.Problem)
	}

	// A bad checkpoint beyond the end is named; a good one beyond a bad
	// one is not reached.
	r = VerifyEntries(m.entries, []Checkpoint{garbled, sign(5, Hash{})}, v)
	if r.OK() || r.Problem.Seq != 2 {
		t.Errorf("bad then beyond: %v", r.Problem)
	}
	far := sign(9, Hash{})
	far.Note = "junk"
	r = VerifyEntries(m.entries, []Checkpoint{sign(6, Hash{}), far}, v)
	if r.OK() || r.Problem.Kind != Removed || r.Problem.Seq != 4 || !strings.Contains(r.Problem.Message, "entries 4..6 missing") {
		t.Errorf("good beyond then bad: %v", r.Problem)
	}
	r = VerifyEntries(nil, []Checkpoint{sign(6, Hash{})}, v)
	if r.OK() || r.Problem.Message != "entries 1..6 missing: removed (a checkpoint at size 6 was signed; the trail is empty)" {
		t.Errorf("no entries: %v", r.Problem)
	}

	m.checkpoints = append(m.checkpoints, Checkpoint{Size: 1, Hash: m.entries[0].Hash, Time: t0, Note: "junk"})
	r, err := Verify(ctx, m, nil)
	if err != nil || r.OK() || r.Problem.Kind != BadCheckpoint || r.Problem.Seq != 1 {
		t.Errorf("junk note without verifiers: %+v %v", r.Problem, err)
	}
}

// TestVerifyStreams: Verify reads the store entry by entry through its
// callback, and stops at the first problem.
func TestVerifyStreams(t *testing.T) {
	_, m, v := newTestLog(t, 20)
	m.entries[3].Actor = "op9"
	counting := &countingStore{memStore: m}
	r, err := Verify(context.Background(), counting, v)
	if err != nil || r.OK() || r.Problem.Seq != 4 {
		t.Fatalf("%+v %v", r.Problem, err)
	}
	if counting.delivered != 4 {
		t.Fatalf("%d entries delivered, want 4: Verify should stop at the first problem", counting.delivered)
	}
}

type countingStore struct {
	*memStore
	delivered int
}

func (c *countingStore) ScanAudit(ctx context.Context, after uint64, fn func(Entry) error) error {
	return c.memStore.ScanAudit(ctx, after, func(e Entry) error {
		c.delivered++
		return fn(e)
	})
}
