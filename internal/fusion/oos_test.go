package fusion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// finalTrack runs the batches and returns the one track at the end and
// every measurement reported.
func finalTrack(t *testing.T, batches [][]Measurement) (Track, map[ObsRef]bool, Stats) {
	t.Helper()
	tr, us := runBatches(t, DefaultConfig(), batches)
	snap := tr.Snapshot()
	if len(snap) != 1 || len(ids(us)) != 1 {
		t.Fatalf("%d tracks in the snapshot, %d in the updates; want 1", len(snap), len(ids(us)))
	}
	refs := map[ObsRef]bool{}
	for _, u := range us {
		for _, r := range u.Obs {
			refs[r] = true
		}
	}
	return snap[0], refs, tr.Stats()
}

func TestOutOfSequenceMatchesInOrder(t *testing.T) {
	w := newWorld(21, walkerCams(), []target{walker(100, -50, -1.1, 0.7)})
	ms := w.run(90 * time.Second)
	want, wantRefs, _ := finalTrack(t, inOrder(ms))

	// The same measurements, a third of them (after the first ten) held
	// back 0.5 to 4.5 s, all within the window.
	rng := rand.New(rand.NewPCG(21, 1))
	type arrival struct {
		at time.Time
		m  Measurement
	}
	var as []arrival
	for i, m := range ms {
		at := m.Time
		if i >= 10 && rng.IntN(3) == 0 {
			at = at.Add(500*time.Millisecond + time.Duration(rng.Int64N(int64(4*time.Second))))
		}
		as = append(as, arrival{at: at, m: m})
	}
	slices.SortStableFunc(as, func(a, b arrival) int { return a.at.Compare(b.at) })
	late := make([]Measurement, len(as))
	for i, a := range as {
		late[i] = a.m
	}
	got, gotRefs, st := finalTrack(t, inOrder(late))

	if st.OutOfSequence < uint64(len(ms))/5 || st.TooLate != 0 {
		t.Errorf("stats %+v: want many measurements re-filtered and none too late", st)
	}
	if len(gotRefs) != len(wantRefs) {
		t.Errorf("%d measurements reported, in order %d", len(gotRefs), len(wantRefs))
	}
	if d := frameDist(got.Pos, 0, 0) - frameDist(want.Pos, 0, 0); math.Abs(d) > 1e-3 || !got.Time.Equal(want.Time) {
		t.Errorf("position at %v differs by %.6f m from in-order processing at %v", got.Time, d, want.Time)
	}
	gx, gy := testFrame.Forward(got.Pos)
	wx, wy := testFrame.Forward(want.Pos)
	if d := math.Hypot(gx-wx, gy-wy); d > 1e-3 {
		t.Errorf("position %.6f m from in-order processing", d)
	}
	if d := math.Hypot(got.Vel.East-want.Vel.East, got.Vel.North-want.Vel.North); d > 1e-6 {
		t.Errorf("velocity %.8f m/s from in-order processing", d)
	}
	for i := range got.PosCov {
		if math.Abs(got.PosCov[i]-want.PosCov[i]) > 1e-6 || math.Abs(got.VelCov[i]-want.VelCov[i]) > 1e-9 {
			t.Errorf("covariances %v %v, in order %v %v", got.PosCov, got.VelCov, want.PosCov, want.VelCov)
			break
		}
	}
	if got.Hits != want.Hits {
		t.Errorf("%d hits, in order %d", got.Hits, want.Hits)
	}
}

func TestTooLate(t *testing.T) {
	w := newWorld(22, walkerCams()[:1], []target{walker(0, 0, 1, 0)})
	ms := w.run(60 * time.Second)
	held := ms[30] // made at about 30 s, delivered at the end
	rest := slices.Delete(slices.Clone(ms), 30, 31)
	tr, _ := runBatches(t, DefaultConfig(), inOrder(rest))
	hits := tr.Snapshot()[0].Hits
	if us := tr.Process([]Measurement{held}); len(us) != 0 {
		t.Errorf("a measurement 30 s late gave updates: %s", describe(us))
	}
	st := tr.Stats()
	if st.TooLate != 1 || tr.Snapshot()[0].Hits != hits || st.Born != 1 {
		t.Errorf("stats %+v, hits %d (before %d): want it counted as too late and not applied", st, tr.Snapshot()[0].Hits, hits)
	}
}

func TestHistoryRefilter(t *testing.T) {
	// Filtering measurements through a track's history in any order
	// gives the state of filtering them in time order.
	rng := rand.New(rand.NewPCG(3, 3))
	type meas struct {
		t int64
		z obsVec
	}
	var ms []meas
	for i := range 20 {
		s := float64(i) * 0.7
		ms = append(ms, meas{
			t: int64(s * 1e9),
			z: obsVec{x: 1.2*s + rng.NormFloat64()*10, y: -0.4*s + rng.NormFloat64()*10, r: 100, vx: 1.2, vy: -0.4, rv: 1},
		})
	}
	const q = 0.1
	start := func() *track {
		tr := &track{q: q}
		tr.st = NewState(ms[0].z.x, ms[0].z.y, 0, 0, 100, 4)
		tr.hist.reset(tr.st, ms[0].t)
		return tr
	}
	feed := func(tr *track, order []int) {
		for _, i := range order {
			pred, _, ok := tr.stateAt(ms[i].t)
			if !ok {
				t.Fatalf("measurement %d refused", i)
			}
			if !tr.apply(&pred, &ms[i].z, ms[i].t) {
				t.Fatalf("measurement %d not applied", i)
			}
		}
	}
	inOrder := start()
	order := make([]int, 0, len(ms)-1)
	for i := 1; i < len(ms); i++ {
		order = append(order, i)
	}
	feed(inOrder, order)
	for trial := range 10 {
		shuffled := start()
		o := slices.Clone(order)
		rng.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		feed(shuffled, o)
		if shuffled.t != inOrder.t || shuffled.hist.n != inOrder.hist.n {
			t.Fatalf("trial %d: time %d and %d entries, in order %d and %d", trial, shuffled.t, shuffled.hist.n, inOrder.t, inOrder.hist.n)
		}
		for i := range 4 {
			if math.Abs(shuffled.st.X[i]-inOrder.st.X[i]) > 1e-9 {
				t.Fatalf("trial %d: state %v, in order %v", trial, shuffled.st.X, inOrder.st.X)
			}
		}
	}
	// Folding keeps the latest state and refuses what is older than the
	// base.
	st := inOrder.st
	inOrder.hist.fold(ms[10].t)
	if inOrder.hist.n != 10 || inOrder.hist.baseT != ms[9].t {
		t.Errorf("after folding: %d entries, base at %d; want 10 and %d", inOrder.hist.n, inOrder.hist.baseT, ms[9].t)
	}
	if last, _ := inOrder.hist.last(); last != st {
		t.Error("folding changed the latest state")
	}
	if _, _, ok := inOrder.stateAt(ms[5].t); ok {
		t.Error("a measurement older than the base was accepted")
	}
}

func TestHistoryBounded(t *testing.T) {
	tr := &track{q: 0.1}
	tr.st = NewState(0, 0, 0, 0, 100, 4)
	tr.hist.reset(tr.st, 0)
	for i := 1; i <= 200; i++ {
		ti := int64(i) * int64(100*time.Millisecond)
		pred, _, ok := tr.stateAt(ti)
		if !ok || !tr.apply(&pred, &obsVec{x: 1, y: 2, r: 100}, ti) {
			t.Fatalf("measurement %d not applied", i)
		}
	}
	if tr.hist.n != maxHistory || len(tr.hist.buf) != maxHistory {
		t.Errorf("history holds %d entries in %d, want at most %d", tr.hist.n, len(tr.hist.buf), maxHistory)
	}
	// Older than every entry of a full history: refused.
	if _, _, ok := tr.stateAt(tr.hist.at(0).t - 1); ok {
		t.Error("a measurement before the oldest entry of a full history was accepted")
	}
	if _, _, ok := tr.stateAt(tr.hist.at(1).t - 1); !ok {
		t.Error("a measurement within a full history was refused")
	}
}

func TestApplyAfterFold(t *testing.T) {
	// The history may fold entries into its base between the prediction
	// and the update (another scan of the batch moved the cutoff): the
	// entry still goes in by its time and becomes the latest state.
	tr := &track{q: 0.1}
	tr.st = NewState(0, 0, 0, 0, 100, 4)
	tr.hist.reset(tr.st, 0)
	sec := int64(time.Second)
	for i := int64(1); i <= 6; i++ {
		pred, _, _ := tr.stateAt(i * sec)
		tr.apply(&pred, &obsVec{x: float64(i), r: 25}, i*sec)
	}
	pred, _, ok := tr.stateAt(7 * sec)
	if !ok {
		t.Fatal("refused")
	}
	tr.hist.fold(5 * sec)
	if !tr.apply(&pred, &obsVec{x: 7, r: 25}, 7*sec) {
		t.Fatal("not applied")
	}
	if tr.t != 7*sec || tr.st.P[0][0] <= 0 || tr.st.P[0][0] > 100 {
		t.Fatalf("latest state at %d with P %v, want it at 7 s", tr.t, tr.st.P[0][0])
	}
	if n := tr.hist.n; tr.hist.at(n-1).t != 7*sec {
		t.Fatalf("last history entry at %d", tr.hist.at(n-1).t)
	}
}
