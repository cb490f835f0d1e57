package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

var (
	theaterOnce sync.Once
	theaterVal  *theater.Theater
	theaterErr  error
)

// testTheater loads the embedded theater once for all tests.
func testTheater(t testing.TB) *theater.Theater {
	t.Helper()
	theaterOnce.Do(func() { theaterVal, theaterErr = theater.Load(theater.Embedded()) })
	if theaterErr != nil {
		t.Fatal(theaterErr)
	}
	return theaterVal
}

// testStart is a night start used by the tests.
var testStart = time.Date(2026, time.November, 23, 20, 0, 0, 0, time.UTC)

// output is what a run wrote to its three files.
type output struct {
	obs, hb, truth bytes.Buffer
	sum            Summary
}

// runToBuffers runs the options and returns the NDJSON streams.
func runToBuffers(t testing.TB, opts Options) *output {
	t.Helper()
	g, err := New(testTheater(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	out := &output{}
	sinks := Sinks{
		Observations: NewFileSink[Observation](&out.obs),
		Heartbeats:   NewFileSink[Heartbeat](&out.hb),
		Truth:        NewFileSink[TruthRecord](&out.truth),
	}
	out.sum, err = Run(context.Background(), g, sinks, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeLines decodes NDJSON into records of type T, failing on any bad
// line.
func decodeLines[T any](t testing.TB, data []byte) []T {
	t.Helper()
	var out []T
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		out = append(out, v)
	}
	return out
}

// truthIndex is a run's truth, by actor.
type truthIndex struct {
	actors    map[string]TruthRecord
	positions map[string][]TruthRecord // by time
	crossings map[string][]TruthRecord
	links     map[sensorSeq]string // observation -> actor
	outages   []TruthRecord
}

type sensorSeq struct {
	sensor string
	seq    uint64
}

func indexTruth(t testing.TB, recs []TruthRecord) *truthIndex {
	t.Helper()
	ti := &truthIndex{
		actors:    map[string]TruthRecord{},
		positions: map[string][]TruthRecord{},
		crossings: map[string][]TruthRecord{},
		links:     map[sensorSeq]string{},
	}
	for i, r := range recs {
		if i > 0 && r.Time.Before(recs[i-1].Time) {
			t.Fatalf("truth record %d at %v is before the one above it at %v", i, r.Time, recs[i-1].Time)
		}
		switch r.Type {
		case TruthActor:
			ti.actors[r.Actor] = r
		case TruthPosition:
			ti.positions[r.Actor] = append(ti.positions[r.Actor], r)
		case TruthCrossing:
			ti.crossings[r.Actor] = append(ti.crossings[r.Actor], r)
		case TruthDetection:
			ti.links[sensorSeq{r.Sensor, r.Seq}] = r.Actor
		case TruthOutage:
			ti.outages = append(ti.outages, r)
		}
	}
	return ti
}

// at interpolates an actor's true position at t; false outside its
// positions.
func (ti *truthIndex) at(actor string, t time.Time) (geo.LatLon, bool) {
	ps := ti.positions[actor]
	i := sort.Search(len(ps), func(i int) bool { return !ps[i].Time.Before(t) })
	switch {
	case i == len(ps):
		return geo.LatLon{}, false
	case ps[i].Time.Equal(t):
		return geo.LatLon{Lat: ps[i].Lat, Lon: ps[i].Lon}, true
	case i == 0:
		return geo.LatLon{}, false
	}
	a, b := ps[i-1], ps[i]
	f := float64(t.Sub(a.Time)) / float64(b.Time.Sub(a.Time))
	return geo.LatLon{Lat: a.Lat + f*(b.Lat-a.Lat), Lon: a.Lon + f*(b.Lon-a.Lon)}, true
}
