package rules

import (
	"math"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
)

// Own units move through the border zone all night, and a camera track of
// a patrol vehicle is not always fused with the patrol's GPS track at once.
// A track that begins a condition right beside an own unit is taken to be
// that unit (or with it) and raises nothing for the conditions an own
// patrol meets on its beat: off-road at night, zones, barrier gaps, closed
// crossings, loitering and groups. Crossings and approaches are never held
// back: patrols keep off the line, and anything crossing is reported.

// FriendRadiusM is how close to an own unit a track must be to be held to
// be with it; FriendRecent is how fresh the unit's position must be.
const (
	FriendRadiusM = 300.0
	FriendRecent  = 30 * time.Second
)

type friendPos struct {
	pos geo.LatLon
	t   int64
}

// friends is the latest position of every friendly track.
type friends struct {
	pos map[string]friendPos
	// held are the conditions whose beginning was held back, with when:
	// their end is held back too.
	held map[heldKey]int64
}

type heldKey struct {
	track string
	rule  Rule
}

func (f *friends) init() {
	f.pos = map[string]friendPos{}
	f.held = map[heldKey]int64{}
}

func (f *friends) see(tr *fusion.Track) {
	f.pos[tr.ID] = friendPos{pos: tr.Pos, t: tr.Time.UnixNano()}
}

func (f *friends) forget(id string) { delete(f.pos, id) }

// near reports whether an own unit was within FriendRadiusM of p within
// FriendRecent of t.
func (f *friends) near(p geo.LatLon, t int64) bool {
	const mPerDeg = 111_320.0
	cos := math.Cos(p.Lat * math.Pi / 180)
	for _, fp := range f.pos {
		if d := t - fp.t; d > int64(FriendRecent) || d < -int64(FriendRecent) {
			continue
		}
		dy := (fp.pos.Lat - p.Lat) * mPerDeg
		dx := (fp.pos.Lon - p.Lon) * mPerDeg * cos
		if dx*dx+dy*dy <= FriendRadiusM*FriendRadiusM {
			return true
		}
	}
	return false
}

// heldByFriends lists the rules whose beginning beside an own unit is
// held back.
func heldByFriends(r Rule) bool {
	switch r {
	case RuleOffroadNight, RuleZone, RuleBarrierGap, RuleClosedCrossing, RuleLoiter, RuleGroup:
		return true
	}
	return false
}

// filter drops, in place, the beginnings of conditions of tracks beside
// an own unit and the ends of the conditions so held, and forgets units
// not seen for a long time.
func (f *friends) filter(evs []Event, now int64) []Event {
	if len(f.pos) == 0 && len(f.held) == 0 {
		return evs
	}
	out := evs[:0]
	for _, ev := range evs {
		k := heldKey{track: ev.Track, rule: ev.Rule}
		switch {
		case ev.Phase == PhaseBegin && heldByFriends(ev.Rule) && f.near(ev.Pos, ev.Time.UnixNano()):
			f.held[k] = ev.Time.UnixNano()
			continue
		case ev.Phase == PhaseEnd:
			if _, ok := f.held[k]; ok {
				delete(f.held, k)
				continue
			}
		}
		out = append(out, ev)
	}
	for id, fp := range f.pos {
		if now-fp.t > int64(10*time.Minute) {
			delete(f.pos, id)
		}
	}
	// A condition ends at the latest when its track is deleted; this only
	// bounds the set should an end never come.
	for k, t := range f.held {
		if now-t > int64(6*time.Hour) {
			delete(f.held, k)
		}
	}
	return out
}
