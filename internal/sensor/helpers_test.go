package sensor

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// testNow is the server clock of the tests; the testdata times are a few
// minutes before it.
var testNow = time.Date(2026, 11, 23, 1, 5, 0, 0, time.UTC)

const (
	ctJSON   = "application/json"
	ctNDJSON = "application/x-ndjson"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// smallReads returns at most n bytes per Read, to exercise partial reads.
type smallReads struct {
	r io.Reader
	n int
}

func (s *smallReads) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

// batchError returns err as a *BatchError, failing the test if it is not
// one with code invalid.
func batchError(t *testing.T, err error) *BatchError {
	t.Helper()
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T) is not a *BatchError", err, err)
	}
	if c := errs.CodeOf(err); c != errs.Invalid {
		t.Fatalf("code %q, want invalid: %v", c, err)
	}
	return be
}

// hasProblem reports whether err lists a problem at field whose message
// contains msg.
func hasProblem(err *BatchError, field, msg string) bool {
	for _, p := range err.Problems {
		if p.Field == field && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

// genObservations makes n realistic observations: mostly camera
// detections along the border, some radar tracks in polar form and some
// patrol and unit GPS reports, a few with clips.
func genObservations(n int, seed uint64) []Observation {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]Observation, n)
	t0 := testNow.Add(-2 * time.Minute)
	for i := range out {
		o := &out[i]
		cam := rng.IntN(960)
		o.Sensor = fmt.Sprintf("S%02d-C%03d", cam/40+1, cam%40+1)
		o.Seq = uint64(1000 + i)
		o.Time = t0.Add(time.Duration(i) * 7 * time.Millisecond)
		o.Kind = KindThermalCamera
		o.Class = Classes[rng.IntN(len(Classes))]
		o.Confidence = float64(rng.IntN(100)) / 100
		o.Count = 1 + rng.IntN(3)
		o.AccuracyM = float64(10 + rng.IntN(90))
		lat := 33.3 + rng.Float64()*3.8
		lon := 38.8 + rng.Float64()*3.6
		switch r := rng.IntN(20); {
		case r < 2:
			o.Kind = KindRadar
			o.Sensor = fmt.Sprintf("S%02d-R%03d", cam/40+1, 1)
			o.Polar = &Polar{BearingDeg: float64(rng.IntN(3600)) / 10, RangeM: float64(500 + rng.IntN(20000))}
		case r < 4:
			o.Kind = KindUnitGPS
			o.Sensor = fmt.Sprintf("UNIT-%03d", rng.IntN(200))
			o.Class, o.Confidence, o.Count = ClassUnknown, 1, 1
			o.AccuracyM = 5
			fallthrough
		default:
			p := geo.LatLon{Lat: float64(int64(lat*1e5)) / 1e5, Lon: float64(int64(lon*1e5)) / 1e5}
			o.Position = &p
		}
		if o.Kind == KindThermalCamera {
			o.SizeM = float64(5+rng.IntN(30)) / 10
			if rng.IntN(3) == 0 {
				o.Velocity = &Velocity{EastMps: float64(rng.IntN(200)-100) / 10, NorthMps: float64(rng.IntN(200)-100) / 10}
			}
			if rng.IntN(4) == 0 {
				o.Clip = "clip://" + o.Sensor + "/" + o.Time.Format("20060102T150405Z")
			}
		}
	}
	return out
}

// jsonArray encodes observations the way a sensor would send them.
func jsonArray(t testing.TB, obs []Observation) []byte {
	t.Helper()
	b, err := json.Marshal(obs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ndjson encodes observations one per line.
func ndjson(t testing.TB, obs []Observation) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range obs {
		if err := enc.Encode(&obs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}
