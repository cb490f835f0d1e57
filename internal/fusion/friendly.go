package fusion

import "slices"

// Friendly tracks. A GPS fix from one of our own units (Measurement.
// Friendly; the Sensor is the unit) goes to the track already carrying
// that unit; else to the nearest gated track that is not friendly, which
// then becomes the unit's for good (the cameras had been tracking the
// patrol without knowing it) unless it is held to be an animal; else it
// starts a friendly track, confirmed
// at once. Cameras' detections of the patrol then associate with the
// friendly track like with any other.

// adoptMaxAnimal is the animal probability above which a track is not
// taken for a unit's: our patrols are people and vehicles, and a gazelle
// grazing where a patrol's first fix lands must not become the patrol.
const adoptMaxAnimal = 0.8

// animal reports whether the track is held to be an animal.
func (tr *track) animal() bool { return tr.class.probs()[ClassAnimal-ClassPerson] > adoptMaxAnimal }

// friendlyFix applies a unit's GPS fix.
func (s *shard) friendlyFix(m *Measurement, z *obsVec, t int64) {
	if tr := s.byUnit[m.Sensor]; tr != nil {
		s.unitFix(tr, m, z, t)
		return
	}
	s.stamp++
	s.near = s.near[:0]
	s.candidates(m, z, t, func(tr *track) bool { return tr.friendly || tr.animal() })
	slices.Sort(s.near)
	s.predict(t)
	best, bestD2 := -1, s.cfg.Gate
	for i := range s.cands {
		if d2, _ := pairCost(&s.cands[i].pred, z); d2 <= bestD2 {
			best, bestD2 = i, d2
		}
	}
	var tr *track
	if best >= 0 {
		c := &s.cands[best]
		tr = c.tr
		if !s.associate(tr, &c.pred, c.at, m, z, t) {
			tr = nil
		}
	}
	if tr == nil {
		tr = s.birth(m, z, t)
	}
	tr.friendly, tr.unit = true, m.Sensor
	tr.lastGPS = max(tr.lastGPS, t)
	s.byUnit[tr.unit] = tr
	s.units = append(s.units, unitEvent{unit: tr.unit, add: true})
	if tr.status == StatusTentative {
		s.confirm(tr)
	}
	tr.q = tr.processNoise(s.cfg)
}

// unitFix applies a fix to the unit's track. A fix far from the track
// (the unit's GPS was off while it drove on) restarts the track there; a
// late fix far from it is ignored.
func (s *shard) unitFix(tr *track, m *Measurement, z *obsVec, t int64) {
	tr.hist.fold(s.cutoff)
	pred, at, ok := tr.stateAt(t)
	if !ok {
		s.stats.tooLate++
		return
	}
	if d2, _ := pairCost(&pred, z); d2 <= farFixGate && s.associate(tr, &pred, at, m, z, t) {
		return
	}
	if at < tr.hist.n {
		s.stats.tooLate++
		return
	}
	tr.restart(z, t, velVarVehicle)
	s.stats.associated++
	s.touch(tr)
	tr.record(m, t)
	s.moveInGrid(tr)
	if tr.status == StatusCoasting {
		tr.status = StatusConfirmed
	}
}
