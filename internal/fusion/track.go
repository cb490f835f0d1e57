package fusion

import (
	"math"
	"math/bits"
	"slices"
	"time"

	"raqib/internal/geo"
)

var inf = math.Inf(1)

// maxPendingObs bounds the measurements a track holds for its next
// update; a tentative track that never confirms keeps its latest ones.
const maxPendingObs = 128

// sensorWindow is how long a sensor counts among a track's sensors.
const sensorWindow = int64(time.Minute)

// Track quality: a strong measurement is a confident one or one carrying
// the sensor's own velocity estimate; thermal clutter (warm rocks, noise)
// is neither. A track's quality is the share of strong measurements among
// its latest ones, each weighted qualityWeight (about the last ten).
const (
	strongConfidence = 0.5
	qualityWeight    = 0.15
)

// maxSensors bounds the sensors a track remembers.
const maxSensors = 8

// track is one track inside a shard. Positions are in the shard's frame;
// times are Unix nanoseconds.
type track struct {
	slot   int32  // index in the shard's table and id in its grid
	hash   uint64 // of the first measurement: the id's digits
	id     string // set at confirmation
	status Status
	fresh  bool // confirmed in this batch

	friendly bool
	unit     string

	st   State // latest state, at time t
	t    int64
	hist history
	q    float64

	born, lastSeen, lastGPS int64
	hits                    int
	confSum                 float64
	quality                 float64 // weighted share of strong measurements
	lastStrong              int64   // time of the latest strong measurement
	binHi                   int64   // latest one-second bin with a hit
	bins                    uint64  // bit i: bin binHi-i had a hit

	class   classBelief
	counts  countRing
	sensors sensorSet

	obs []ObsRef // applied since the last update (since birth while tentative)

	gx, gy float64 // where the track sits in the grid
	stamp  uint32  // last scan that took it as a candidate
	dirty  bool    // measured in this batch

	// Merging: the older track this one has stayed close to since
	// mergeSince.
	mergeWith  *track
	mergeHash  uint64
	mergeSince int64
	mergeSeen  int64

	nextKeyCheck int64 // when to look again whether it left its shard

	rBar  float64             // recent measurement variance (m²), smoothed
	scans [recentScans]uint32 // the last scans that updated it
	nScan uint8
}

// recentScans is how many of a track's last scans it remembers: two
// tracks updated by one scan were seen apart by one sensor and are not
// duplicates.
const recentScans = 8

// rBarWeight is the weight of a new measurement in rBar.
const rBarWeight = 0.2

// noteScan remembers that scan updated the track.
func (tr *track) noteScan(scan uint32) {
	tr.scans[tr.nScan%recentScans] = scan
	tr.nScan++
}

// seenApart reports whether one recent scan updated both tracks.
func seenApart(a, b *track) bool {
	na, nb := min(int(a.nScan), recentScans), min(int(b.nScan), recentScans)
	for _, x := range a.scans[:na] {
		for _, y := range b.scans[:nb] {
			if x == y {
				return true
			}
		}
	}
	return false
}

// trackHash is the 64-bit FNV-1a hash of the first measurement's sensor
// name followed by its seq in 8 bytes, little-endian. The seq's high
// bytes, zero in practice, come last so that every byte before them is
// well mixed into the top bits the id shows: neighbouring seqs or sensors
// give unrelated ids.
func trackHash(sensor string, seq uint64) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := range len(sensor) {
		h ^= uint64(sensor[i])
		h *= prime
	}
	for i := 0; i < 64; i += 8 {
		h ^= (seq >> uint(i)) & 0xff
		h *= prime
	}
	return h
}

// TrackID is the id of the track whose first measurement was (sensor,
// seq): "T-" and the top 48 bits of trackHash in 12 lower-case hex
// digits. A rebuild from the same log gives the same ids.
func TrackID(sensor string, seq uint64) string { return formatID(trackHash(sensor, seq)) }

func formatID(h uint64) string {
	const digits = "0123456789abcdef"
	var b [14]byte
	b[0], b[1] = 'T', '-'
	v := h >> 16
	for i := 13; i >= 2; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// seconds converts nanoseconds to seconds.
func seconds(ns int64) float64 { return float64(ns) * 1e-9 }

// reset makes tr a new tentative track from its first measurement.
func (tr *track) reset(slot int32, m *Measurement, z *obsVec, t int64, velVar float64, q float64) {
	obs, buf := tr.obs[:0], tr.hist.buf
	*tr = track{slot: slot, obs: obs, q: q}
	tr.hist.buf = buf
	tr.hash = trackHash(m.Sensor, m.Seq)
	vx, vy := 0.0, 0.0
	if z.rv > 0 {
		vx, vy = z.vx, z.vy
		velVar = z.rv
	}
	tr.st = NewState(z.x, z.y, vx, vy, z.r, velVar)
	tr.t = t
	tr.hist.reset(tr.st, t)
	tr.rBar = z.r
	tr.born = t
	tr.binHi = t / int64(time.Second)
	tr.record(m, t)
}

// record does the bookkeeping of an applied measurement: hits, bins,
// class, count, sensors and the pending references.
func (tr *track) record(m *Measurement, t int64) {
	tr.hits++
	strong := 0.0
	if m.Confidence >= strongConfidence || m.Vel != nil {
		strong = 1
	}
	if strong == 1 {
		tr.lastStrong = max(tr.lastStrong, t)
	}
	if tr.hits == 1 {
		tr.quality = strong
	} else {
		tr.quality += qualityWeight * (strong - tr.quality)
	}
	tr.confSum += m.Confidence
	tr.lastSeen = max(tr.lastSeen, t)
	if m.Friendly {
		tr.lastGPS = max(tr.lastGPS, t)
	}
	tr.markBin(t / int64(time.Second))
	tr.class.observe(m.Class, m.Confidence)
	if m.Class == ClassPerson || m.Class == ClassAnimal {
		tr.counts.add(m.Count)
	}
	tr.sensors.add(m.Sensor, t)
	if len(tr.obs) == maxPendingObs {
		copy(tr.obs, tr.obs[1:])
		tr.obs = tr.obs[:len(tr.obs)-1]
	}
	tr.obs = append(tr.obs, m.Ref())
}

// markBin records a hit in one-second bin b.
func (tr *track) markBin(b int64) {
	switch d := b - tr.binHi; {
	case d > 0:
		if d >= 64 {
			tr.bins = 0
		} else {
			tr.bins <<= uint(d)
		}
		tr.bins |= 1
		tr.binHi = b
	case d > -64:
		tr.bins |= 1 << uint(-d)
	}
}

// confirmable reports whether a tentative track meets the confirmation
// rule at clock time now.
func (tr *track) confirmable(cfg *Config, now int64) bool {
	if tr.lastSeen-tr.born < int64(cfg.ConfirmMinSpan) {
		return false
	}
	if tr.confSum < cfg.ConfirmMinConfidence*float64(tr.hits) {
		return false
	}
	// The window is the ConfirmN bins ending at the clock's bin, or at the
	// latest hit if that is later.
	nowBin := max(now/int64(time.Second), tr.binHi)
	shift := nowBin - tr.binHi
	if shift >= int64(cfg.ConfirmN) {
		return false
	}
	mask := uint64(1)<<uint(int64(cfg.ConfirmN)-shift) - 1
	return bits.OnesCount64(tr.bins&mask) >= cfg.ConfirmM
}

// fusedClass is the class the track reports.
func (tr *track) fusedClass(threshold float64) Class {
	c, _ := tr.class.class(threshold)
	return c
}

// processNoise picks q from the fused class; a friendly track is a
// vehicle unless it is fused as a person.
func (tr *track) processNoise(cfg *Config) float64 {
	c := tr.fusedClass(cfg.ClassThreshold)
	if tr.friendly && c != ClassPerson {
		c = ClassVehicle
	}
	return cfg.Q[c]
}

// deleteAfter is how long the track may coast.
func (tr *track) deleteAfter(cfg *Config) int64 {
	if tr.fusedClass(cfg.ClassThreshold) == ClassVehicle || tr.friendly {
		return int64(cfg.VehicleDeleteAfter)
	}
	return int64(cfg.DeleteAfter)
}

// coastAfter is how long the track may go unseen before it coasts.
func (tr *track) coastAfter(cfg *Config) int64 {
	if tr.friendly {
		return int64(cfg.FriendlyCoastAfter)
	}
	return int64(cfg.CoastAfter)
}

// stateAt returns the state predicted to time t, from the latest state
// when t is not before it and from the history otherwise, and where a
// measurement at t goes in the history; ok is false when t is too old for
// the history.
func (tr *track) stateAt(t int64) (pred State, at int, ok bool) {
	if t >= tr.t {
		pred = tr.st
		pred.Predict(seconds(t-tr.t), tr.q)
		return pred, tr.hist.n, true
	}
	i, st, t0, ok := tr.hist.locate(t)
	if !ok {
		return pred, 0, false
	}
	pred = *st
	pred.Predict(seconds(t-t0), tr.q)
	return pred, i, true
}

// apply updates the track with z, made at time t, starting from pred (the
// state stateAt gave). A late measurement
// is inserted in the history and the later ones are filtered again. It
// reports whether the update could be applied.
func (tr *track) apply(pred *State, z *obsVec, t int64) bool {
	// The history may have folded entries into its base since pred was
	// computed: place the entry by its time, not by the index given.
	at := tr.hist.place(t)
	if at == 0 && tr.hist.n == maxHistory {
		return false
	}
	st := *pred
	if _, ok := st.Update(z.x, z.y, z.r); !ok {
		return false
	}
	if z.rv > 0 {
		st.UpdateVelocity(z.vx, z.vy, z.rv)
	}
	e, i := tr.hist.insert(at)
	*e = histEntry{t: t, z: *z, st: st}
	if i < tr.hist.n-1 {
		tr.hist.refilterFrom(i, tr.q)
	}
	tr.st, tr.t = tr.hist.last()
	return true
}

// restart puts the track at z, made at time t, forgetting its motion (a
// unit's GPS fix far from where its track was).
func (tr *track) restart(z *obsVec, t int64, velVar float64) {
	vx, vy := 0.0, 0.0
	if z.rv > 0 {
		vx, vy, velVar = z.vx, z.vy, z.rv
	}
	tr.st = NewState(z.x, z.y, vx, vy, z.r, velVar)
	tr.t = t
	tr.hist.reset(tr.st, t)
}

// snapshot returns the track as it leaves the tracker, at time at (later
// than its state for a coasting track, which is then predicted).
func (tr *track) snapshot(f *geo.Frame, at int64, cfg *Config) Track {
	st := tr.st
	t := tr.t
	if at > t {
		st.Predict(seconds(at-t), tr.q)
		t = at
	}
	pos := f.Reverse(st.X[0], st.X[1])
	s, c := convergence(f, pos)
	class, probs := tr.class.class(cfg.ClassThreshold)
	var lastStrong time.Time
	if tr.lastStrong != 0 {
		lastStrong = time.Unix(0, tr.lastStrong).UTC()
	}
	return Track{
		ID:         tr.id,
		Time:       time.Unix(0, t).UTC(),
		Pos:        pos,
		Vel:        Velocity{East: c*st.X[2] + s*st.X[3], North: c*st.X[3] - s*st.X[2]},
		PosCov:     [3]float64{st.P[0][0], st.P[0][1], st.P[1][1]},
		VelCov:     [3]float64{st.P[2][2], st.P[2][3], st.P[3][3]},
		Status:     tr.status,
		Class:      class,
		ClassProb:  probs,
		Friendly:   tr.friendly,
		Unit:       tr.unit,
		Count:      tr.counts.count(),
		Born:       time.Unix(0, tr.born).UTC(),
		LastSeen:   time.Unix(0, tr.lastSeen).UTC(),
		Hits:       tr.hits,
		Quality:    tr.quality,
		LastStrong: lastStrong,
		Sensors:    tr.sensors.list(t),
	}
}

// sensorSet remembers the latest time each of a few sensors saw a track.
type sensorSet struct {
	names  [maxSensors]string
	last   [maxSensors]int64
	n      int
	sorted []string // the names, sorted; rebuilt (never changed) when they change
}

// add records that sensor saw the track at t, forgetting the sensor seen
// longest ago when full.
func (s *sensorSet) add(sensor string, t int64) {
	for i := range s.n {
		if s.names[i] == sensor {
			s.last[i] = max(s.last[i], t)
			return
		}
	}
	i := s.n
	if s.n == maxSensors {
		i = 0
		for j := 1; j < s.n; j++ {
			if s.last[j] < s.last[i] {
				i = j
			}
		}
	} else {
		s.n++
	}
	s.names[i], s.last[i] = sensor, t
	s.sorted = nil
}

// list returns the sensors that saw the track in the minute up to now,
// sorted. The slice is shared with earlier results and must not be
// changed.
func (s *sensorSet) list(now int64) []string {
	for i := 0; i < s.n; {
		if s.last[i] < now-sensorWindow {
			s.n--
			s.names[i], s.last[i] = s.names[s.n], s.last[s.n]
			s.names[s.n] = ""
			s.sorted = nil
			continue
		}
		i++
	}
	if s.sorted == nil && s.n > 0 {
		s.sorted = slices.Clone(s.names[:s.n])
		slices.Sort(s.sorted)
	}
	return s.sorted
}
