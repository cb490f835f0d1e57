package score

import (
	"math"
	"slices"

	"raqib/internal/geo"
)

// actorRun is an actor's state across the GOSPA samples.
type actorRun struct {
	cursor    int   // index of the position at or before the sample
	lastIn    int   // the last sample it was in the truth set, -1 never
	lastTrack int32 // the track matched last, -1 none
	// runMatched: matched at some sample of its current stay in the truth
	// set; gap: unmatched since.
	runMatched, gap bool
}

// sampleGOSPA computes GOSPA every SampleEvery over the run, and the
// fragmentations and id switches of the matching.
func (s *scorer) sampleGOSPA() {
	tr, td := s.tr, s.td
	g := &s.rep.GOSPA
	g.CM, g.P, g.Alpha = s.opt.GOSPAC, s.opt.GOSPAP, s.opt.GOSPAAlpha
	solver := newGOSPASolver(s.opt.GOSPAC, s.opt.GOSPAP, s.opt.GOSPAAlpha, s.maxLat())

	// Actors and tracks in order of their first position or record; the
	// active lists hold those that may still be in a set.
	actors := make([]int32, 0, len(tr.actors))
	for i, a := range tr.actors {
		if !a.friendly && len(a.pos) > 0 && len(a.det) > 0 {
			actors = append(actors, int32(i))
		}
	}
	slices.SortStableFunc(actors, func(x, y int32) int { return cmpInt64(tr.actors[x].pos[0].t, tr.actors[y].pos[0].t) })
	tracks := make([]int32, 0, len(td.list))
	for i, t := range td.list {
		if !t.friendly && len(t.recs) > 0 {
			tracks = append(tracks, int32(i))
		}
	}
	slices.SortStableFunc(tracks, func(x, y int32) int { return cmpInt64(td.list[x].recs[0].t, td.list[y].recs[0].t) })
	runs := make([]actorRun, len(tr.actors))
	for i := range runs {
		runs[i] = actorRun{lastIn: -1, lastTrack: -1}
	}
	cursors := make([]int, len(td.list))

	var (
		activeA, activeT []int32
		nextA, nextT     int
		xs, ys           []geo.LatLon
		xa, yt           []int32
		sumGOSPA         float64
		sum              gospaTerms
	)
	every := s.opt.SampleEvery.Milliseconds()
	window := detectedWindow.Milliseconds()
	for k, t := 0, tr.start; t <= tr.until; k, t = k+1, t+every {
		// The truth set.
		for nextA < len(actors) && tr.actors[actors[nextA]].pos[0].t <= t {
			activeA = append(activeA, actors[nextA])
			nextA++
		}
		xs, xa = xs[:0], xa[:0]
		activeA = slices.DeleteFunc(activeA, func(i int32) bool {
			a := tr.actors[i]
			p, ok := a.at(t, &runs[i].cursor)
			if !ok {
				return true // gone for good
			}
			if tr.detectedIn(a, t-window, t) {
				xs, xa = append(xs, p), append(xa, i)
			}
			return false
		})
		// The estimate set.
		for nextT < len(tracks) && td.list[tracks[nextT]].recs[0].t <= t {
			activeT = append(activeT, tracks[nextT])
			nextT++
		}
		ys, yt = ys[:0], yt[:0]
		activeT = slices.DeleteFunc(activeT, func(i int32) bool {
			trk := td.list[i]
			c := &cursors[i]
			for *c+1 < len(trk.recs) && trk.recs[*c+1].t <= t {
				*c++
			}
			r := &trk.recs[*c]
			if t-r.t >= window {
				return *c == len(trk.recs)-1 // no later record: gone for good
			}
			if r.live() {
				ys, yt = append(ys, extrapolate(r, t)), append(yt, i)
			}
			return false
		})

		terms, match := solver.solve(xs, ys)
		sum.loc += terms.loc
		sum.missed += terms.missed
		sum.false += terms.false
		sumGOSPA += terms.value(s.opt.GOSPAP)
		g.Samples++

		for n, i := range xa {
			trackID := int32(-1)
			if match[n] >= 0 {
				trackID = yt[match[n]]
			}
			s.follow(i, k, t, trackID, &runs[i])
		}
	}
	if g.Samples > 0 {
		n := float64(g.Samples)
		g.Mean = roundTo(sumGOSPA/n, 3)
		g.Localisation = roundTo(sum.loc/n, 3)
		g.Missed = roundTo(sum.missed/n, 3)
		g.False = roundTo(sum.false/n, 3)
	}
}

// follow updates an actor's matching at sample k (time t, Unix ms): the
// track matched to it, or -1.
func (s *scorer) follow(i int32, k int, t int64, trackID int32, run *actorRun) {
	hostile := s.tr.actors[i].hostile
	if run.lastIn != k-1 {
		run.runMatched, run.gap = false, false // a new stay in the truth set
	}
	run.lastIn = k
	ts := &s.rep.Tracks
	if trackID < 0 {
		if run.runMatched {
			run.gap = true
		}
		return
	}
	if run.gap {
		ts.Fragmentations++
		if hostile {
			ts.HostileFragmentations++
		}
	}
	run.runMatched, run.gap = true, false
	if run.lastTrack >= 0 && run.lastTrack != trackID {
		ts.IDSwitches++
		if hostile {
			ts.HostileIDSwitches++
		}
	}
	run.lastTrack = trackID
	if hostile {
		s.matched[i] = append(s.matched[i], t)
	}
}

// at returns the actor's true position at t (Unix ms), interpolated
// linearly in latitude and longitude, advancing the cursor; false once t
// is past its last position. t must not decrease between calls, nor come
// before the first position.
func (a *actor) at(t int64, cursor *int) (geo.LatLon, bool) {
	c := *cursor
	for c+1 < len(a.pos) && a.pos[c+1].t <= t {
		c++
	}
	*cursor = c
	p := a.pos[c]
	if c == len(a.pos)-1 {
		return latLon(p.lat, p.lon), p.t == t
	}
	q := a.pos[c+1]
	f := float64(t-p.t) / float64(q.t-p.t)
	return latLon(p.lat+f*(q.lat-p.lat), p.lon+f*(q.lon-p.lon)), true
}

// WGS84, for extrapolating a short way.
const (
	wgs84A  = 6378137.0
	wgs84E2 = 0.0066943799901413165
)

// extrapolate moves a track record's position to t (Unix ms) by its
// velocity, with the ellipsoid's radii of curvature at its latitude: over
// the 10 s at most this is used, the error is far below a millimetre.
func extrapolate(r *trackRec, t int64) geo.LatLon {
	dt := float64(t-r.t) / 1000
	if dt == 0 {
		return latLon(r.lat, r.lon)
	}
	sin, cos := math.Sincos(r.lat * math.Pi / 180)
	w := 1 - wgs84E2*sin*sin
	n := wgs84A / math.Sqrt(w) // prime vertical
	m := n * (1 - wgs84E2) / w // meridian
	lat := r.lat + float64(r.vn)*dt/m*180/math.Pi
	lon := r.lon + float64(r.ve)*dt/(n*math.Max(cos, 1e-9))*180/math.Pi
	return latLon(lat, lon)
}

func latLon(lat, lon float64) geo.LatLon { return geo.LatLon{Lat: lat, Lon: lon} }

// maxLat is the largest latitude (absolute) of any truth position or track
// record.
func (s *scorer) maxLat() float64 {
	m := 0.0
	for _, a := range s.tr.actors {
		for _, p := range a.pos {
			m = math.Max(m, math.Abs(p.lat))
		}
	}
	for _, t := range s.td.list {
		for _, r := range t.recs {
			m = math.Max(m, math.Abs(r.lat))
		}
	}
	return m
}
