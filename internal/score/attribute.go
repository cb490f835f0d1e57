package score

import (
	"slices"
	"sort"
)

// What a track followed, when not an actor.
const (
	byClutter = -1 // clutter held the majority of its observations
	byNoObs   = -2 // it had no observations by then
	byNoTrack = -3 // it is not in the tracks file
)

// attributedObs is an observation of a track tied to the actor it came
// from (byClutter for clutter), at its own time (Unix ms).
type attributedObs struct {
	t     int64
	actor int32
}

// attribute ties the kept observations of every track to actors: by the
// truth's detection records, or for a friendly unit's GPS fix by the
// patrol owning the sensor; anything else is clutter.
func (tr *truth) attribute(td *tracksData, need *needIndex) {
	for _, t := range td.list {
		if len(t.obs) == 0 {
			continue
		}
		t.attributed = make([]attributedObs, len(t.obs))
		for i, o := range t.obs {
			ref := &need.refs[o.slot]
			a, at := ref.actor, o.t
			if a >= 0 {
				at = ref.t
			} else if p, ok := tr.bySensor[ref.sensor]; ok {
				a = p
			} else {
				a = byClutter
			}
			t.attributed[i] = attributedObs{t: at, actor: a}
		}
		slices.SortStableFunc(t.attributed, func(x, y attributedObs) int { return cmpInt64(x.t, y.t) })
		t.obs = nil
	}
}

// actorAt is the actor the track followed at time at (Unix ms): the one
// holding the majority of its observations in the attributionWindow up to at, or
// over its whole life so far when it had none in that window. Clutter
// wins only with more observations than every actor; between actors with
// as many, the one seen last wins.
func (t *track) actorAt(at int64) int32 {
	obs := t.attributed
	hi := sort.Search(len(obs), func(i int) bool { return obs[i].t > at })
	if hi == 0 {
		return byNoObs
	}
	from := at - attributionWindow.Milliseconds()
	lo := sort.Search(hi, func(i int) bool { return obs[i].t > from })
	if lo == hi {
		lo = 0
	}
	return majority(obs[lo:hi])
}

func majority(obs []attributedObs) int32 {
	type tally struct {
		n    int
		last int64
	}
	counts := make(map[int32]*tally, 4)
	for _, o := range obs {
		c := counts[o.actor]
		if c == nil {
			c = &tally{}
			counts[o.actor] = c
		}
		c.n++
		c.last = max(c.last, o.t)
	}
	best, bestN, bestLast := int32(byClutter), 0, int64(0)
	for a, c := range counts {
		if a == byClutter {
			continue
		}
		if c.n > bestN || c.n == bestN && (c.last > bestLast || c.last == bestLast && a < best) {
			best, bestN, bestLast = a, c.n, c.last
		}
	}
	if c := counts[byClutter]; c != nil && c.n > bestN {
		return byClutter
	}
	return best
}
