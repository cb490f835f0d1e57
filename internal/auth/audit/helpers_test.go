package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

var t0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

// fakeClock ticks a second every reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// testKeys returns the signer and verifiers of the key in testdata.
func testKeys(t testing.TB) (note.Signer, note.Verifiers) {
	t.Helper()
	s, err := LoadSigner("testdata/test.skey")
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadVerifier("testdata/test.vkey")
	if err != nil {
		t.Fatal(err)
	}
	return s, note.VerifierList(v)
}

func sampleEntry(i int) Entry {
	return Entry{
		Actor: fmt.Sprintf("op%d", i%3), Force: "border-guard", Action: "alert.acknowledge",
		Object: fmt.Sprintf("alert/%d", 40+i), Sector: "S06", Outcome: OutcomeOK,
		Detail: []byte(fmt.Sprintf(`{"note": "seen <%d> & \u00e9", "n": %d}`, i, i)),
	}
}

// newTestLog returns a Log over a fresh memStore with the testdata key, a
// checkpoint every 5 entries and a clock starting at t0, holding n
// entries.
func newTestLog(t testing.TB, n int) (*Log, *memStore, note.Verifiers) {
	t.Helper()
	s, v := testKeys(t)
	m := &memStore{}
	clk := &fakeClock{t: t0}
	l, err := New(m, s, Config{CheckpointEvery: 5, Now: clk.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := l.Append(context.Background(), sampleEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	return l, m, v
}

// readSeeds adds every file matching the pattern to a fuzz corpus.
func readSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
