package score

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
	"raqib/internal/sim"
	"raqib/internal/theater"
	"raqib/internal/trackfile"
)

// posSample is a true position at a time (Unix milliseconds).
type posSample struct {
	t        int64
	lat, lon float64
}

// actor is one actor of the truth.
type actor struct {
	id       string
	typ      sim.ActorType
	friendly bool
	hostile  bool
	pos      []posSample
	// det holds the times of the actor's detections, milliseconds after
	// the run's start, ascending.
	det []int32
}

// crossing is a true crossing of the line.
type crossing struct {
	actor  int32
	t      int64
	dir    sim.Direction
	sector string
}

// truth is what the scorer keeps of the ground truth.
type truth struct {
	scenario  sim.TruthRecord
	start     int64 // Unix ms
	until     int64
	actors    []*actor
	byID      map[string]int32
	bySensor  map[string]int32 // a patrol's GPS sensor → the patrol
	crossings []crossing
}

// hostileTypes are the actor types whose crossings must be caught.
func isHostile(t sim.ActorType) bool { return t == sim.ActorInfiltrator || t == sim.ActorSmuggler }

// readTruth reads the ground truth. Detections of the observations in need
// are resolved on the way.
func readTruth(r io.Reader, name string, th *theater.Theater, need *needIndex) (*truth, error) {
	tr := &truth{byID: make(map[string]int32), bySensor: make(map[string]int32)}
	lines := trackfile.NewLines(r, name)
	var (
		rec  sim.TruthRecord
		fast fastLine
	)
	seen := false
	for {
		line, err := lines.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if seen && truthLine(line, &fast) && tr.addFast(&fast, need) {
			continue
		}
		rec = sim.TruthRecord{}
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, errs.E(errs.Invalid, "%s:%d: not a ground-truth record: %v", name, lines.Line(), err)
		}
		if rec.Time.IsZero() {
			return nil, lines.Errorf("time", "missing")
		}
		if !seen {
			if rec.Type != sim.TruthScenario {
				return nil, lines.Errorf("type", "the first record must be the scenario, found %q", rec.Type)
			}
			if !rec.Until.After(rec.Time) {
				return nil, lines.Errorf("until", "not after time")
			}
			if rec.Theater != "" && th.ID != "" && rec.Theater != th.ID {
				return nil, lines.Errorf("theater", "the truth is of theater %q, the score uses %q", rec.Theater, th.ID)
			}
			tr.scenario, tr.start, tr.until = rec, rec.Time.UnixMilli(), rec.Until.UnixMilli()
			seen = true
			continue
		}
		if err := tr.add(&rec, lines, need); err != nil {
			return nil, err
		}
	}
	if !seen {
		return nil, errs.E(errs.Invalid, "%s: no records: want the scenario record first", name)
	}
	for _, a := range tr.actors {
		slices.SortStableFunc(a.pos, func(x, y posSample) int { return cmpInt64(x.t, y.t) })
		slices.Sort(a.det)
	}
	slices.SortStableFunc(tr.crossings, func(x, y crossing) int { return cmpInt64(x.t, y.t) })
	return tr, nil
}

func (tr *truth) add(rec *sim.TruthRecord, lines *trackfile.Lines, need *needIndex) error {
	if rec.Type == sim.TruthScenario {
		return lines.Errorf("type", "a second scenario record")
	}
	if rec.Type == sim.TruthOutage {
		return nil
	}
	if rec.Actor == "" {
		return lines.Errorf("actor", "missing")
	}
	id, known := tr.byID[rec.Actor]
	switch rec.Type {
	case sim.TruthActor:
		if known {
			return lines.Errorf("actor", "%q described twice", rec.Actor)
		}
		if !slices.Contains(sim.ActorTypes, rec.ActorType) {
			return lines.Errorf("actor_type", "unknown %q", rec.ActorType)
		}
		tr.byID[rec.Actor] = int32(len(tr.actors))
		if rec.Sensor != "" {
			tr.bySensor[rec.Sensor] = int32(len(tr.actors))
		}
		tr.actors = append(tr.actors, &actor{
			id: rec.Actor, typ: rec.ActorType, friendly: rec.Friendly, hostile: isHostile(rec.ActorType),
		})
		return nil
	case sim.TruthPosition, sim.TruthCrossing, sim.TruthDetection:
	default:
		return lines.Errorf("type", "unknown %q", rec.Type)
	}
	if !known {
		return lines.Errorf("actor", "%q has no actor record before it", rec.Actor)
	}
	a := tr.actors[id]
	switch rec.Type {
	case sim.TruthPosition:
		if err := (geo.LatLon{Lat: rec.Lat, Lon: rec.Lon}).Validate(); err != nil {
			return lines.Errorf("position", "%v", err)
		}
		a.pos = append(a.pos, posSample{t: rec.Time.UnixMilli(), lat: rec.Lat, lon: rec.Lon})
	case sim.TruthCrossing:
		if rec.Direction != sim.Inbound && rec.Direction != sim.Outbound {
			return lines.Errorf("direction", "unknown %q (want inbound or outbound)", rec.Direction)
		}
		tr.crossings = append(tr.crossings, crossing{actor: id, t: rec.Time.UnixMilli(), dir: rec.Direction, sector: rec.Sector})
	case sim.TruthDetection:
		if rec.Sensor == "" {
			return lines.Errorf("sensor", "missing")
		}
		off, ok := tr.offset(rec.Time)
		if !ok {
			return lines.Errorf("time", "outside the scenario's window")
		}
		a.det = append(a.det, off)
		need.resolve(rec.Sensor, rec.Seq, id, rec.Time.UnixMilli())
	}
	return nil
}

// offset is t in milliseconds after the run's start, if near the run.
func (tr *truth) offset(t time.Time) (int32, bool) {
	off := t.UnixMilli() - tr.start
	const slack = int64(time.Hour / time.Millisecond)
	if off < -slack || off > int64(sim.MaxDuration/time.Millisecond)+slack {
		return 0, false
	}
	return int32(off), true
}

// addFast adds a detection or position read by hand; false if it has a
// problem for the general path to report.
func (tr *truth) addFast(f *fastLine, need *needIndex) bool {
	id, known := tr.byID[string(f.actor)]
	if !known {
		return false
	}
	a := tr.actors[id]
	if f.typ == sim.TruthPosition {
		if (geo.LatLon{Lat: f.lat, Lon: f.lon}).Validate() != nil {
			return false
		}
		a.pos = append(a.pos, posSample{t: f.t.UnixMilli(), lat: f.lat, lon: f.lon})
		return true
	}
	off, ok := tr.offset(f.t)
	if !ok || len(f.sensor) == 0 {
		return false
	}
	a.det = append(a.det, off)
	if len(need.slots) > 0 {
		need.resolve(string(f.sensor), f.seq, id, f.t.UnixMilli())
	}
	return true
}

// detectedIn reports whether the actor has a detection in (from, to],
// Unix ms.
func (tr *truth) detectedIn(a *actor, from, to int64) bool {
	lo, hi := from-tr.start, to-tr.start
	i, _ := slices.BinarySearch(a.det, int32(clampInt32(lo+1)))
	return i < len(a.det) && int64(a.det[i]) <= hi
}

func clampInt32(v int64) int64 { return max(-1<<31, min(v, 1<<31-1)) }

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
