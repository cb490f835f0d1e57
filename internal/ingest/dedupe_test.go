package ingest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func keys(sensor string, seqs ...uint64) []Key {
	out := make([]Key, len(seqs))
	for i, s := range seqs {
		out[i] = Key{sensor, s}
	}
	return out
}

func TestDedupeBasics(t *testing.T) {
	d := NewDedupe()
	res, fresh, dups, err := d.Reserve(keys("A", 1, 2, 2, 3, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(fresh) != "[0 1 3]" || fmt.Sprint(dups) != "[2 4]" {
		t.Fatalf("fresh %v dups %v", fresh, dups)
	}
	d.Commit(res)
	res, fresh, dups, _ = d.Reserve(keys("A", 3, 4, 1), nil)
	if fmt.Sprint(fresh) != "[1]" || fmt.Sprint(dups) != "[0 2]" {
		t.Fatalf("after commit: fresh %v dups %v", fresh, dups)
	}
	d.Release(res)
	if d.Seen(Key{"A", 4}) {
		t.Fatal("a released key is seen")
	}
	res, fresh, _, _ = d.Reserve(keys("A", 4), nil)
	if len(fresh) != 1 {
		t.Fatal("a released key is not fresh again")
	}
	d.Commit(res)
	if !d.Seen(Key{"A", 4}) || d.Seen(Key{"B", 4}) {
		t.Fatal("Seen wrong")
	}
}

func TestDedupeWindow(t *testing.T) {
	d := NewDedupe()
	d.Mark(Key{"A", 10})
	d.Mark(Key{"A", 10 + WindowSize - 1})
	if !d.Seen(Key{"A", 10}) {
		t.Fatal("forgot a key still inside the window")
	}
	if d.Seen(Key{"A", 11}) {
		t.Fatal("an unseen key inside the window is seen")
	}
	d.Mark(Key{"A", 10 + WindowSize})
	if !d.Seen(Key{"A", 9}) || !d.Seen(Key{"A", 10}) {
		t.Fatal("keys behind the window must count as seen")
	}
	if d.Seen(Key{"A", 12 + WindowSize/2}) {
		t.Fatal("the slide set bits it should have cleared")
	}
	// A jump further than the window clears it whole.
	d.Mark(Key{"A", 1 << 40})
	if d.Seen(Key{"A", 1<<40 - 1}) || !d.Seen(Key{"A", 1 << 40}) {
		t.Fatal("big jump")
	}
}

// TestDedupeAgainstMap compares with an exact set on random, reordered
// streams that stay within the window.
func TestDedupeAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := NewDedupe()
	exact := map[Key]bool{}
	var next [4]uint64
	for i := 0; i < 200000; i++ {
		s := r.IntN(4)
		var seq uint64
		if r.IntN(3) == 0 && next[s] > 100 {
			seq = next[s] - uint64(r.IntN(100)) // a late or repeated one
		} else {
			next[s] += uint64(1 + r.IntN(3))
			seq = next[s]
		}
		k := Key{fmt.Sprint("S", s), seq}
		if got := d.Seen(k); got != exact[k] {
			t.Fatalf("step %d %v: seen %v, exact %v", i, k, got, exact[k])
		}
		d.Mark(k)
		exact[k] = true
	}
}

func TestDedupeWaitsForInFlight(t *testing.T) {
	d := NewDedupe()
	first, fresh, _, _ := d.Reserve(keys("A", 1, 2), nil)
	if len(fresh) != 2 {
		t.Fatal(fresh)
	}
	got := make(chan []int, 1)
	go func() {
		res, fresh, _, _ := d.Reserve(keys("A", 2, 3), nil)
		d.Commit(res)
		got <- fresh
	}()
	// The first batch fails: the second must then own key 2.
	d.Release(first)
	if f := <-got; fmt.Sprint(f) != "[0 1]" {
		t.Fatalf("second batch fresh = %v, want both after the first failed", f)
	}
	// Cancelled wait.
	held, _, _, _ := d.Reserve(keys("B", 1), nil)
	cancel := make(chan struct{})
	close(cancel)
	if _, _, _, err := d.Reserve(keys("B", 1), cancel); err == nil {
		t.Fatal("no error when cancelled")
	}
	d.Commit(held)
}

func TestDedupeConcurrentExactlyOnce(t *testing.T) {
	d := NewDedupe()
	var mu sync.Mutex
	stored := map[Key]int{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 2000; i++ {
				ks := keys("S", uint64(1+r.IntN(500)), uint64(1+r.IntN(500)))
				res, fresh, _, _ := d.Reserve(ks, nil)
				if r.IntN(4) == 0 {
					d.Release(res)
					continue
				}
				mu.Lock()
				for _, i := range fresh {
					stored[ks[i]]++
				}
				mu.Unlock()
				d.Commit(res)
			}
		}(g)
	}
	wg.Wait()
	for k, n := range stored {
		if n != 1 {
			t.Fatalf("%v stored %d times", k, n)
		}
	}
}

func TestDedupeSnapshot(t *testing.T) {
	d := NewDedupe()
	for i := uint64(1); i < 9000; i += 3 {
		d.Mark(Key{"cam-1", i}, Key{"cam-2", i * 2})
	}
	data, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	e := NewDedupe()
	if err := e.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i < 9500; i++ {
		for _, s := range []string{"cam-1", "cam-2", "cam-3"} {
			if d.Seen(Key{s, i}) != e.Seen(Key{s, i}) {
				t.Fatalf("%s %d differs after a snapshot", s, i)
			}
		}
	}
	for _, bad := range [][]byte{nil, {9}, {1}, {1, 5}, append(data[:len(data)-1:len(data)-1], 0, 0), data[:len(data)-3]} {
		if err := NewDedupe().UnmarshalBinary(bad); err == nil {
			t.Errorf("accepted a bad snapshot of %d bytes", len(bad))
		}
	}
}

func FuzzDedupeSnapshot(f *testing.F) {
	d := NewDedupe()
	d.Mark(Key{"a", 5}, Key{"b", 9000})
	good, _ := d.MarshalBinary()
	f.Add(good)
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := NewDedupe()
		if err := e.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		e2 := NewDedupe()
		if err := e2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded snapshot refused: %v", err)
		}
	})
}

func BenchmarkDedupeReserveCommit(b *testing.B) {
	for _, size := range []int{1, 100, 500} {
		b.Run(fmt.Sprint("batch=", size), func(b *testing.B) {
			d := NewDedupe()
			ks := make([]Key, size)
			sensors := make([]string, 960)
			for i := range sensors {
				sensors[i] = fmt.Sprintf("S%02d-C%03d", i%16, i)
			}
			seq := uint64(0)
			b.ReportAllocs()
			for b.Loop() {
				for i := range ks {
					seq++
					ks[i] = Key{sensors[seq%960], seq / 960}
				}
				res, _, _, _ := d.Reserve(ks, nil)
				d.Commit(res)
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
