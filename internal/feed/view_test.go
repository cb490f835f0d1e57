package feed

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/pipeline"
)

// TestEncodeViewIsEncodingJSON holds the hand-written encoder to
// encoding/json's bytes.
func TestEncodeViewIsEncodingJSON(t *testing.T) {
	th := embeddedTheater(t)
	v := viewer{th: th, horizon: DefaultHorizon}
	baghdad := time.FixedZone("AST", 3*3600)
	views := []TrackView{
		{},
		{ID: "T-1", Sensors: []string{}, ClassProb: map[string]float64{}},
		{ID: `odd "id" <&> \ é`, Unit: "patrol <7> & co\u2028", Status: "confirmed", Time: t0.In(baghdad).Add(123456789),
			Position: geo.LatLon{Lat: 1e-7, Lon: -1.5e21}, Velocity: fusion.Velocity{East: math.Copysign(0, -1), North: 1e20},
			SpeedMps: 1e-6, CourseDeg: 999999999999999, ClassProb: map[string]float64{"vehicle": 0.5, "animal": 2.5e-9, "person": 1},
			Sensors: []string{"CAM-001", "ذ"}, Predicted: &Prediction{Time: t0, SigmaS: 12.5, Lat: 34.123456, Lon: 40.5}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		tr := trackAt(th, "T-R", rng.Float64()*590e3, (rng.Float64()-0.5)*20e3, rng.Float64()*360, rng.Float64()*8,
			t0.Add(time.Duration(rng.Int64N(1e12))))
		tr.Friendly = i%7 == 0
		if tr.Friendly {
			tr.Unit = "unit"
		}
		tr.PosCov = [3]float64{rng.Float64() * 100, rng.Float64(), rng.Float64() * 100}
		views = append(views, v.View(&tr))
	}
	for i := range views {
		want, err := json.Marshal(&views[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeView(&views[i])
		if err != nil {
			t.Fatalf("view %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("view %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, bad := range []TrackView{{SpeedMps: math.NaN()}, {DistanceM: math.Inf(1)}, {Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		if _, err := json.Marshal(&bad); err == nil {
			t.Fatalf("encoding/json encodes %+v", bad)
		}
		if _, err := encodeView(&bad); err == nil {
			t.Fatalf("encodeView encodes %+v", bad)
		}
	}
}

func TestAppendWithTrail(t *testing.T) {
	trail := []pipeline.TrailPoint{{Time: t0, Lat: 34.5, Lon: 40.25}, {Time: t0.Add(1500 * time.Millisecond), Lat: -0.000001, Lon: 41}}
	got := appendWithTrail(nil, []byte(`{"id":"T-1"}`), trail)
	want, _ := json.Marshal(map[string]any{"id": "T-1", "trail": trail})
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	_ = json.Unmarshal(want, &b)
	if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
		t.Fatalf("got %s, want %s", ja, jb)
	}
	if got := appendWithTrail(nil, []byte(`{"id":"T-1"}`), nil); string(got) != `{"id":"T-1","trail":[]}` {
		t.Fatalf("no trail: %s", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
