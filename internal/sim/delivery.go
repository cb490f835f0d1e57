package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Delivery: a record is sent some time after its sensor made it. A
// camera sends each frame's detections together, most within a second;
// a few records are held back by seconds, so a later sequence number
// arrives first; a few are sent twice.
const (
	slotMs         = 100    // width of a delivery queue slot
	maxDelayMs     = 12_000 // no record is sent later than this after its time
	duplicateShare = 0.005
	lateShare      = 0.01
)

// latency draws a delivery delay in milliseconds: base plus a log-normal
// part with the given median, capped.
func latency(r *rand.Rand, baseMs, medianMs, capMs float64) int64 {
	return int64(baseMs + math.Min(capMs, medianMs*math.Exp(0.6*r.NormFloat64())))
}

// holdUp is the extra delay of a record: for lateShare of them 1 to 4 s,
// otherwise none.
func holdUp(r *rand.Rand) int64 {
	if chance(r, lateShare) {
		return 1000 + r.Int64N(3000)
	}
	return 0
}

// queued is an observation waiting to be sent.
type queued struct {
	sendMs int64
	gen    uint64 // order of queuing: breaks ties
	obs    Observation
}

// delivery holds observations until their send time, in a ring of slots
// of slotMs covering maxDelayMs plus a step.
type delivery struct {
	slots [][]queued
	base  int64 // absolute index of the first slot not yet flushed
	gen   uint64
}

func newDelivery() delivery {
	return delivery{slots: make([][]queued, (maxDelayMs+2000)/slotMs+1)}
}

// push queues o to be sent at sendMs (relative to the start), which must
// not be before the slots already flushed nor more than maxDelayMs after the
// current step.
func (q *delivery) push(sendMs int64, o Observation) {
	k := max(sendMs/slotMs, q.base)
	k = min(k, q.base+int64(len(q.slots))-1)
	i := k % int64(len(q.slots))
	q.gen++
	q.slots[i] = append(q.slots[i], queued{sendMs: sendMs, gen: q.gen, obs: o})
}

// paceMs is the resolution of a paced run's sending: the records due in
// each paceMs go out together.
const paceMs = 10

// flush appends to dst, in send order, every observation due before
// untilMs, a multiple of slotMs, and to marks where the part due in each
// paceMs ends.
func (q *delivery) flush(untilMs int64, dst []Observation, marks []slotMark) ([]Observation, []slotMark) {
	for ; (q.base+1)*slotMs <= untilMs; q.base++ {
		dst = q.flushSlot(q.base, dst, &marks)
	}
	return dst, marks
}

// slotMark is the end of the part of a step's observations due by untilMs.
type slotMark struct {
	untilMs int64 // relative to the start
	end     int   // index in the step's observations just past the part
}

// drain appends everything still queued.
func (q *delivery) drain(dst []Observation) []Observation {
	for range q.slots {
		dst = q.flushSlot(q.base, dst, nil)
		q.base++
	}
	return dst
}

// flushSlot appends slot k's observations to dst in send order, and to
// *marks (unless nil) the end of each paceMs of them.
func (q *delivery) flushSlot(k int64, dst []Observation, marks *[]slotMark) []Observation {
	i := k % int64(len(q.slots))
	s := q.slots[i]
	slices.SortFunc(s, func(a, b queued) int {
		if c := cmp.Compare(a.sendMs, b.sendMs); c != 0 {
			return c
		}
		return cmp.Compare(a.gen, b.gen)
	})
	// A record queued before the slots already sent, or past the ring, is
	// held to the slot's span.
	from, end := k*slotMs, (k+1)*slotMs
	mark := func(until int64) {
		if marks != nil {
			*marks = append(*marks, slotMark{untilMs: min(max(until, from), end), end: len(dst)})
		}
	}
	for j := range s {
		if j > 0 && s[j].sendMs/paceMs != s[j-1].sendMs/paceMs {
			mark((s[j-1].sendMs/paceMs + 1) * paceMs)
		}
		dst = append(dst, s[j].obs)
	}
	if len(s) > 0 {
		mark((s[len(s)-1].sendMs/paceMs + 1) * paceMs)
	}
	// Keep small slots' memory; let big ones go, or every slot of the ring
	// would end up holding the peak of a second's traffic.
	if cap(s) <= 1024 {
		clear(s)
		q.slots[i] = s[:0]
	} else {
		q.slots[i] = nil
	}
	return dst
}
