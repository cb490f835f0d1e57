package fusion

import (
	"math"
	"time"
)

// Duplicate tracks. With position errors of tens of metres, two tracks
// can share one object's reports, each taking those that fall on its
// side, and both stay confirmed. A pair whose positions stay within
// Config.MergeD2 of each other (squared Mahalanobis distance, each way, at
// the later of their times, counting the sensors' recent error) with
// similar velocities for Config.MergeAfter, and that no scan of a sensor
// has seen apart (updated both), is merged: the older id survives and the
// other ends with UpdateMerged. Tracks of two different units never
// merge.

// mergeGap: a pair not found close for this long starts its MergeAfter
// over.
const mergeGap = int64(2 * time.Second)

// mergeRadiusM bounds the search radius for a duplicate.
const mergeRadiusM = 300.0

// mergeDuplicates looks for a duplicate of each confirmed track measured
// in this batch and merges the pairs that have stayed close long enough.
func (s *shard) mergeDuplicates() {
	if !(s.cfg.MergeD2 > 0) {
		return
	}
	for _, tr := range s.touched {
		if tr.slot < 0 || tr.status == StatusTentative || tr.fresh {
			continue
		}
		u := s.twin(tr)
		if u == nil {
			continue
		}
		older, younger := tr, u
		if younger.born < older.born || (younger.born == older.born && younger.hash < older.hash) {
			older, younger = younger, older
		}
		if younger.mergeWith != older || younger.mergeHash != older.hash || s.now-younger.mergeSeen > mergeGap {
			younger.mergeWith, younger.mergeHash, younger.mergeSince = older, older.hash, s.now
		}
		younger.mergeSeen = s.now
		if s.now-younger.mergeSince >= int64(s.cfg.MergeAfter) {
			s.merge(older, younger)
		}
	}
}

// twin returns the confirmed track closest to tr within the merge
// distance, nil if there is none.
func (s *shard) twin(tr *track) *track {
	r := min(mergeRadiusM, 3*math.Sqrt(tr.st.P[0][0]+tr.st.P[1][1])+30)
	s.query = s.grid.Query(tr.gx, tr.gy, r, s.query[:0])
	var best *track
	bestD := s.cfg.MergeD2
	for _, slot := range s.query {
		u := s.tracks[slot]
		if u == tr || u.status == StatusTentative || u.fresh || (u.friendly && tr.friendly) || seenApart(tr, u) ||
			(u.friendly && tr.animal()) || (tr.friendly && u.animal()) {
			continue
		}
		d := mutualD2(tr, u)
		if d < bestD || (d == bestD && best != nil && u.slot < best.slot) {
			best, bestD = u, d
		}
	}
	return best
}

// mutualD2 is the larger of the squared Mahalanobis distances of each
// track's position from the other's, at the later of their times; +Inf
// when their velocities differ too much to be one object's.
func mutualD2(a, b *track) float64 {
	tc := max(a.t, b.t)
	ax, ay, ca := a.st.PredictedPosition(seconds(tc-a.t), a.q)
	bx, by, cb := b.st.PredictedPosition(seconds(tc-b.t), b.q)
	dvx, dvy := a.st.X[2]-b.st.X[2], a.st.X[3]-b.st.X[3]
	speed := max(math.Hypot(a.st.X[2], a.st.X[3]), math.Hypot(b.st.X[2], b.st.X[3]))
	if lim := 2 + 0.3*speed; dvx*dvx+dvy*dvy > lim*lim {
		return inf
	}
	// Each track's position is taken as a measurement of the other, with
	// its own variance and the sensors' recent error: two tracks closer
	// than the sensors can resolve are one object.
	dx, dy := bx-ax, by-ay
	r := (a.rBar + b.rBar) / 2
	return max(mahalanobisWith(ca, (cb[0][0]+cb[1][1])/2+r, dx, dy),
		mahalanobisWith(cb, (ca[0][0]+ca[1][1])/2+r, dx, dy))
}

// mahalanobisWith is the squared Mahalanobis distance of (dx, dy) under
// cov + r·I.
func mahalanobisWith(cov [2][2]float64, r, dx, dy float64) float64 {
	a, b, c, d := cov[0][0]+r, cov[0][1], cov[1][0], cov[1][1]+r
	det := a*d - b*c
	if !(det > 0) {
		return inf
	}
	return (dx*(d*dx-b*dy) + dy*(a*dy-c*dx)) / det
}

// absorb ends a tentative track that meets the confirmation rule next to
// a confirmed track it duplicates: its measurements join the confirmed
// track's next update and no update tells of it.
func (s *shard) absorb(into, tr *track) {
	for _, r := range tr.obs {
		if len(into.obs) == maxPendingObs {
			break
		}
		into.obs = append(into.obs, r)
	}
	s.touch(into)
	s.combine(into, tr)
	s.stats.absorbed++
	s.release(tr)
}

// merge ends younger in favour of older.
func (s *shard) merge(older, younger *track) {
	s.combine(older, younger)
	s.emit(UpdateMerged, younger, younger.t, older.id)
	s.stats.merged++
	s.release(younger)
}

// combine gives older what younger knew: hits, class evidence, sensors,
// the unit, and its state when fresher.
func (s *shard) combine(older, younger *track) {
	older.hits += younger.hits
	older.confSum += younger.confSum
	older.lastSeen = max(older.lastSeen, younger.lastSeen)
	older.class.merge(&younger.class)
	for i := range younger.sensors.n {
		older.sensors.add(younger.sensors.names[i], younger.sensors.last[i])
	}
	if younger.friendly && !older.friendly {
		older.friendly, older.unit = true, younger.unit
		older.lastGPS = max(older.lastGPS, younger.lastGPS)
		s.byUnit[older.unit] = older
		s.touch(older)
	}
	older.q = older.processNoise(s.cfg)
	if younger.t > older.t {
		// The younger track has the fresher state: the survivor takes it.
		older.st, older.t = younger.st, younger.t
		older.hist, younger.hist = younger.hist, older.hist
		s.moveInGrid(older)
	}
	if older.status == StatusCoasting && younger.status == StatusConfirmed {
		older.status = StatusConfirmed
		s.touch(older)
	}
}
