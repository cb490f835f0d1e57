package fusion

// Out-of-sequence measurements. Cameras' frames reach the tracker a few
// hundred milliseconds after they were taken, each camera with its own
// delay, and a few are held back seconds more, so a track seen by several
// cameras often receives a measurement older than the latest it has
// applied. Each track therefore keeps a short history: the state at the
// start of the window (base) and, for every measurement applied since,
// the measurement and the state just after it. A late measurement is
// gated against the state predicted from the entry just before its time,
// inserted there, and the entries after it are filtered again. Entries
// older than the window (the clock minus Config.OOSWindow, below which
// measurements are refused anyway) fold into the base, and so does the
// oldest entry when the history is full.

// maxHistory bounds a track's history entries.
const maxHistory = 32

// minHistory is the capacity a history starts with.
const minHistory = 4

// obsVec is a measurement as the filter uses it, in the shard's frame.
type obsVec struct {
	x, y, r float64 // position and its variance per axis (m²)
	vx, vy  float64 // velocity, when rv > 0
	rv      float64 // velocity variance per axis (m²/s²); 0: none
}

// histEntry is one applied measurement and the state right after it.
type histEntry struct {
	t  int64 // Unix nanoseconds
	z  obsVec
	st State
}

// history is a ring of histEntry in time order after a base state.
type history struct {
	baseT int64
	base  State
	buf   []histEntry // len is a power of two
	head  int
	n     int
}

// reset starts the history at state st, time t.
func (h *history) reset(st State, t int64) {
	h.base, h.baseT = st, t
	h.head, h.n = 0, 0
}

func (h *history) at(i int) *histEntry { return &h.buf[(h.head+i)&(len(h.buf)-1)] }

// last returns the latest state and its time.
func (h *history) last() (State, int64) {
	if h.n == 0 {
		return h.base, h.baseT
	}
	e := h.at(h.n - 1)
	return e.st, e.t
}

// locate returns the number of entries at or before t and the state and
// time they end with; ok is false when t is before the base, or before
// every entry of a full history (whose oldest entry must fold into the
// base to make room).
func (h *history) locate(t int64) (i int, st *State, st0 int64, ok bool) {
	if t < h.baseT {
		return 0, nil, 0, false
	}
	i = h.n
	for i > 0 && h.at(i-1).t > t {
		i--
	}
	if i == 0 {
		if h.n == maxHistory {
			return 0, nil, 0, false
		}
		return 0, &h.base, h.baseT, true
	}
	e := h.at(i - 1)
	return i, &e.st, e.t, true
}

// fold moves entries older than cutoff into the base.
func (h *history) fold(cutoff int64) {
	for h.n > 0 && h.at(0).t < cutoff {
		h.popFront()
	}
}

func (h *history) popFront() {
	e := h.at(0)

	h.base, h.baseT = e.st, e.t
	h.head = (h.head + 1) & (len(h.buf) - 1)
	h.n--
}

// place returns where an entry made at t goes: after every entry at or
// before t.
func (h *history) place(t int64) int {
	i := h.n
	for i > 0 && h.at(i-1).t > t {
		i--
	}
	return i
}

// insert makes room for an entry at position i and returns it; the
// oldest entry folds into the base when the history is full, in which
// case the returned index is one less.
func (h *history) insert(i int) (*histEntry, int) {
	if h.n == len(h.buf) {
		if len(h.buf) < maxHistory {
			h.grow()
		} else {
			h.popFront()
			i--
		}
	}
	h.n++
	for j := h.n - 1; j > i; j-- {
		*h.at(j) = *h.at(j - 1)
	}
	return h.at(i), i
}

func (h *history) grow() {
	size := max(minHistory, 2*len(h.buf))
	buf := make([]histEntry, size)
	for j := range h.n {
		buf[j] = *h.at(j)
	}
	h.buf, h.head = buf, 0
}

// filterStep predicts st by dt seconds and updates it with z. It returns
// the squared Mahalanobis distance of the position, +Inf when the update
// could not be applied.
func filterStep(st *State, dt float64, z *obsVec, q float64) float64 {
	st.Predict(dt, q)
	d2, ok := st.Update(z.x, z.y, z.r)
	if !ok {
		return inf
	}
	if z.rv > 0 {
		st.UpdateVelocity(z.vx, z.vy, z.rv)
	}
	return d2
}

// refilterFrom filters the entries after position i again, each from the
// state of the one before it.
func (h *history) refilterFrom(i int, q float64) {
	for j := i + 1; j < h.n; j++ {
		prev, cur := h.at(j-1), h.at(j)
		st := prev.st
		filterStep(&st, seconds(cur.t-prev.t), &cur.z, q)
		cur.st = st
	}
}
