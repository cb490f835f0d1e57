package fusion

import (
	"math"
	"slices"
)

// Association. Within a batch, the measurements of one sensor with one
// time form a scan. For each scan the tracks near its measurements
// (found in the grid within a radius from the gate and the measurement's
// error, capped by class) are predicted to the scan's time, or taken from
// their history for a late scan; every pair is gated on the squared
// Mahalanobis distance d²; and global nearest neighbour assignment picks
// the pairs of least total cost. Measurements left over start tentative
// tracks, except beside a confirmed track.

// Query radii: the gate's reach for the measurement's own error plus a
// typical track's (trackSigmaM) and some motion, capped by the reported
// class (an unknown report far away may be a vehicle).
const (
	trackSigmaM     = 30.0
	radiusSlackM    = 40.0
	motionSlackM    = 60.0
	capPersonM      = 400.0
	capUnknownM     = 700.0
	capVehicleM     = 1500.0
	friendlyRadiusM = 400.0
)

// confidenceCost is the cost added to a pair per unit of the report's
// doubt (1 − confidence).
const confidenceCost = 4.0

// apartConfidence: only reports at least this confident count as a
// sensor seeing two tracks apart (clutter beside a track is less
// confident).
const apartConfidence = 0.5

// queryRadius is how far from a measurement its candidate tracks are
// looked for.
func queryRadius(m *Measurement, gate float64) float64 {
	r := math.Sqrt(gate*(m.SigmaM*m.SigmaM+trackSigmaM*trackSigmaM)) + radiusSlackM
	switch {
	case m.Friendly:
		return max(r, friendlyRadiusM)
	case m.Class == ClassVehicle:
		return min(r, capVehicleM)
	case m.Class == ClassUnknown:
		return min(r, capUnknownM)
	}
	return min(r, capPersonM)
}

// candidates appends to s.near the slots of the tracks that may be near
// z at time t and are not yet stamped with the current scan, and stamps
// them. skip leaves a track out. predict then makes them s.cands.
func (s *shard) candidates(m *Measurement, z *obsVec, t int64, skip func(*track) bool) {
	r := queryRadius(m, s.cfg.Gate)
	s.query = s.grid.Query(z.x, z.y, r+motionSlackM, s.query[:0])
	for _, slot := range s.query {
		tr := s.tracks[slot]
		if tr.stamp == s.stamp || (skip != nil && skip(tr)) || !reaches(tr, z, t, r) {
			continue
		}
		tr.stamp = s.stamp
		s.near = append(s.near, slot)
	}
}

// reaches reports whether track tr may be within r of z at time t: r
// from its place in the grid, plus the way it moves in the time between.
func reaches(tr *track, z *obsVec, t int64, r float64) bool {
	dt := math.Abs(seconds(t - tr.t))
	reach := r + math.Hypot(tr.st.X[2], tr.st.X[3])*dt
	dx, dy := tr.gx-z.x, tr.gy-z.y
	return dx*dx+dy*dy <= reach*reach
}

// predict fills s.cands with the tracks of s.near, in that order,
// predicted to t; a track whose history does not reach back to t is left
// out.
func (s *shard) predict(t int64) {
	s.cands = slices.Grow(s.cands[:0], len(s.near))
	for _, slot := range s.near {
		tr := s.tracks[slot]
		if t < tr.t {
			// A late scan reads the history: fold it first. Otherwise the
			// fold waits until the track is updated (see associate).
			tr.hist.fold(s.cutoff)
		}
		pred, at, ok := tr.stateAt(t)
		if !ok {
			continue
		}
		s.cands = append(s.cands, cand{tr: tr, pred: pred, at: at})
	}
}

// scan associates one scan (s.in[lo:hi]: one sensor, one time) with the
// tracks by global nearest neighbour and starts tentative tracks from the
// measurements left over.
func (s *shard) scan(b *batch, lo, hi int) {
	t := b.time(s.in[lo])
	if b.measurement(s.in[lo]).Friendly {
		for k := lo; k < hi; k++ {
			s.friendlyFix(b.measurement(s.in[k]), &s.loc[k], t)
		}
		return
	}
	s.stamp++
	s.near = s.near[:0]
	for k := lo; k < hi; k++ {
		s.candidates(b.measurement(s.in[k]), &s.loc[k], t, nil)
	}
	slices.Sort(s.near)
	s.predict(t)
	rows, cols := hi-lo, len(s.cands)
	var assign []int
	if cols > 0 {
		assign = s.solve(b, lo, rows)
	}
	for r := range rows {
		k := lo + r
		m := b.measurement(s.in[k])
		if assign != nil && assign[r] >= 0 {
			c := &s.cands[assign[r]]
			if s.associate(c.tr, &c.pred, c.at, m, &s.loc[k], t) {
				continue
			}
		}
		if assign != nil && s.nearConfirmed(b, lo, r, cols, assign, t) {
			s.stats.suppressed++
			continue
		}
		s.birth(m, &s.loc[k], t)
	}
}

// nearConfirmed reports whether a measurement left over in row r of the
// scan (made at t) should start no track because it is gated with a
// confirmed or coasting track. Such a report is far more often clutter
// beside the track, or its object seen again, than a new object, and a
// track started from it would compete with the first for the object's
// reports. But when the track took another confident report of the same
// scan and this one is confident too, the sensor saw two things: it
// starts a track. A report gated with no track at all is held back by any
// confirmed or coasting track of the scan when it is weak (such reports
// are mostly clutter, and tracks started from them confirm chains of it),
// and only by one within its own search radius when it is confident.
func (s *shard) nearConfirmed(b *batch, lo, r, cols int, assign []int, t int64) bool {
	if b.measurement(s.in[lo+r]).Confidence < apartConfidence {
		assign = nil
	}
	return s.gatedConfirmed(b, lo, r, cols, assign, t)
}

// gatedConfirmed reports whether row r is gated with a confirmed or
// coasting track. When no pair of the row is gated (its entries are NaN,
// see solve) every such track of the scan counts without assign (a weak
// report), and with assign only one within the row's search radius: a
// scan's candidates are those of all its reports, and a track found only
// through another report may be anywhere. With assign, a track that took
// another confident report of the scan does not count.
func (s *shard) gatedConfirmed(b *batch, lo, r, cols int, assign []int, t int64) bool {
	z, reach := &s.loc[lo+r], queryRadius(b.measurement(s.in[lo+r]), s.cfg.Gate)
	for c, v := range s.cost[r*cols : (r+1)*cols] {
		tr := s.cands[c].tr
		if math.IsInf(v, 1) || tr.status == StatusTentative {
			continue
		}
		if math.IsNaN(v) && assign != nil && !reaches(tr, z, t, reach) {
			continue
		}
		if assign == nil {
			return true
		}
		other := slices.Index(assign, c)
		if other < 0 || b.measurement(s.in[lo+other]).Confidence < apartConfidence {
			return true
		}
	}
	return false
}

// contradictMinProb: a friendly track (one of our own units, whose class
// the cameras have seen many times) takes no confident report of a class
// it holds less likely than this. Between a patrol's GPS fixes, an animal seen beside the vehicle
// must not pull the patrol's track onto itself.
const contradictMinProb = 0.05

// contradicts reports whether m is a confident report of a class the
// track holds all but impossible.
func contradicts(tr *track, m *Measurement) bool {
	if m.Class < ClassPerson || m.Class > ClassAnimal || m.Confidence < apartConfidence {
		return false
	}
	return tr.class.probs()[m.Class-ClassPerson] < contradictMinProb
}

// solve fills the cost matrix of the scan's rows against s.cands and
// returns each row's column or -1. The cost of a gated pair is d² + ln
// det S, less the row's smallest ln det S so that costs are ≥ 0 and a
// row's best-fitting candidate costs only its d², plus a term for the
// report's doubt so that where rows compete for a track the confident
// report wins; leaving a row and a column unassigned costs Gate each.
// The assignment is solved cluster by cluster (see solveClusters).
func (s *shard) solve(b *batch, lo, rows int) []int {
	cols := len(s.cands)
	gate := s.cfg.Gate
	s.cost = slices.Grow(s.cost[:0], rows*cols)[:rows*cols]
	s.pos = slices.Grow(s.pos[:0], cols)[:cols]
	for c := range s.cands {
		p := &s.cands[c].pred
		s.pos[c] = candPos{x: p.X[0], y: p.X[1], lam: reachVar(p)}
	}
	s.cw.edges = s.cw.edges[:0]
	for r := range rows {
		z := &s.loc[lo+r]
		m := b.measurement(s.in[lo+r])
		row := s.cost[r*cols : (r+1)*cols]
		first := len(s.cw.edges)
		minLD := inf
		for c := range s.pos {
			cp := &s.pos[c]
			if dx, dy := z.x-cp.x, z.y-cp.y; farOutside(dx*dx+dy*dy, cp.lam+z.r, gate) {
				row[c] = inf
				continue
			}
			d2, det := pairCost(&s.cands[c].pred, z)
			if d2 > gate {
				row[c] = inf
				continue
			}
			if tr := s.cands[c].tr; tr.friendly && contradicts(tr, m) {
				row[c] = inf
				continue
			}
			ld := math.Log(det)
			row[c] = d2 + ld
			minLD = min(minLD, ld)
			s.cw.edges = append(s.cw.edges, int32(r*cols+c))
		}
		bias := confidenceCost * (1 - min(max(m.Confidence, 0), 1))
		shift := bias - minLD
		if math.IsInf(shift, 0) || math.IsNaN(shift) {
			// No pair is gated (or the confidence is not a number): every
			// entry becomes NaN, which Assign forbids.
			for c := range row {
				row[c] += shift
			}
			continue
		}
		// A finite shift leaves the other entries at +Inf.
		for _, e := range s.cw.edges[first:] {
			s.cost[e] += shift
		}
	}
	if rows*cols > math.MaxInt32 {
		return Assign(s.cost, rows, cols, gate, &s.aw)
	}
	return solveClusters(s.cost, rows, cols, gate, &s.cw, &s.aw)
}

// candPos is a candidate's predicted position and the reachVar of its
// covariance, packed for the gate's first test.
type candPos struct {
	x, y, lam float64
}

// reachVar bounds from above the largest eigenvalue of the position
// covariance of pred: an innovation of squared length ν² has d² ≥ ν² /
// (reachVar + r) when S is positive definite.
func reachVar(pred *State) float64 {
	a, b := pred.P[0][0], pred.P[1][1]
	off := (pred.P[0][1] + pred.P[1][0]) / 2
	h := (a - b) / 2
	return (a+b)/2 + math.Sqrt(h*h+off*off)
}

// farOutsideMargin is the relative margin of farOutside, far above the
// rounding of pairCost, so that a pair it rejects is one pairCost would
// have put outside the gate too.
const farOutsideMargin = 1e-6

// farOutside reports whether an innovation of squared length nu2 is
// certainly outside the gate for an innovation covariance whose largest
// eigenvalue is at most lam: then d² ≥ nu2/lam > gate. It never rejects a
// pair when lam is not positive or not a number (pairCost decides).
func farOutside(nu2, lam, gate float64) bool {
	return lam > 0 && nu2 > gate*lam*(1+farOutsideMargin)
}

// pairCost returns the squared Mahalanobis distance of z from pred and
// det S, d² = +Inf when S is singular. A pair's cost beside d² is ln det S;
// callers take the logarithm only for pairs inside the gate, since most
// candidates in dense clutter are not.
func pairCost(pred *State, z *obsVec) (d2, det float64) {
	nu, S := pred.Innovation(z.x, z.y, z.r)
	det = S[0][0]*S[1][1] - S[0][1]*S[1][0]
	if !(det > 0) || math.IsInf(det, 0) {
		return inf, 0
	}
	d2 = (nu[0]*(S[1][1]*nu[0]-S[0][1]*nu[1]) + nu[1]*(S[0][0]*nu[1]-S[1][0]*nu[0])) / det
	if math.IsNaN(d2) {
		return inf, 0
	}
	return d2, det
}

// associate applies measurement m (z in the frame, at time t) to track tr
// from its predicted state; false when the filter refused it.
func (s *shard) associate(tr *track, pred *State, at int, m *Measurement, z *obsVec, t int64) bool {
	late := at < tr.hist.n
	// Entries older than the cutoff leave the history before it changes,
	// as they would have when the track was taken as a candidate: folding
	// later with the same or a later cutoff gives the same history.
	tr.hist.fold(s.cutoff)
	if !tr.apply(pred, z, t) {
		return false
	}
	if late {
		s.stats.oos++
	}
	s.stats.associated++
	s.touch(tr)
	tr.record(m, t)
	tr.rBar += rBarWeight * (z.r - tr.rBar)
	if m.Confidence >= apartConfidence {
		tr.noteScan(s.stamp)
	}
	tr.q = tr.processNoise(s.cfg)
	s.moveInGrid(tr)
	switch tr.status {
	case StatusCoasting:
		tr.status = StatusConfirmed
	case StatusTentative:
		if !tr.confirmable(s.cfg, s.now) {
			break
		}
		if u := s.twin(tr); u != nil && !m.Friendly {
			s.absorb(u, tr)
			break
		}
		s.confirm(tr)
	}
	return true
}

// routeScore rates how well the shard's tracks fit m, for routing near a
// cut: the best gated pair's d² + ln det S, with confirmed tracks
// preferred to tentative ones (tier 0 and 1); tier 2 when none is gated.
func (s *shard) routeScore(m *Measurement, t int64) (tier int, cost float64) {
	if s.frame == nil || s.grid.Len() == 0 {
		return 2, 0
	}
	x, y := s.frame.Forward(m.Pos)
	z := obsVec{x: x, y: y, r: m.SigmaM * m.SigmaM}
	s.stamp++
	s.near = s.near[:0]
	s.candidates(m, &z, t, nil)
	s.predict(t)
	tier, cost = 2, 0
	for i := range s.cands {
		d2, det := pairCost(&s.cands[i].pred, &z)
		if d2 > s.cfg.Gate {
			continue
		}
		ld := math.Log(det)
		ti := 0
		if s.cands[i].tr.status == StatusTentative {
			ti = 1
		}
		if c := d2 + ld; ti < tier || (ti == tier && c < cost) {
			tier, cost = ti, c
		}
	}
	return tier, cost
}
