package sim

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"raqib/internal/jsonw"
)

// The example from the ingest API's wire format, byte for byte.
func TestObservationWireFormat(t *testing.T) {
	o := Observation{
		Sensor: "S05-C012", Seq: 18231, Time: time.Date(2026, 11, 23, 1, 2, 3, 456e6, time.UTC),
		Kind: KindThermalCamera, Position: Position{Lat: 34.38, Lon: 40.99},
		AccuracyM: 35, Class: ClassPerson, Confidence: 0.82, Count: 3, SizeM: 1.7,
		Velocity: &Velocity{EastMPS: 0.8, NorthMPS: -0.3},
	}
	want := `{"sensor":"S05-C012","seq":18231,"time":"2026-11-23T01:02:03.456Z","kind":"thermal_camera",` +
		`"position":{"lat":34.38,"lon":40.99},"accuracy_m":35,"class":"person","confidence":0.82,"count":3,"size_m":1.7,` +
		`"velocity":{"east_mps":0.8,"north_mps":-0.3}}`
	got, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Optional fields are omitted; the time keeps three digits.
	o.Count, o.SizeM, o.Velocity, o.Time = 0, 0, nil, time.Date(2026, 11, 23, 1, 2, 3, 0, time.FixedZone("+03", 3*3600))
	got, _ = json.Marshal(o)
	want = `{"sensor":"S05-C012","seq":18231,"time":"2026-11-22T22:02:03.000Z","kind":"thermal_camera",` +
		`"position":{"lat":34.38,"lon":40.99},"accuracy_m":35,"class":"person","confidence":0.82}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	hb, _ := json.Marshal(Heartbeat{Sensor: "S05-C012", Time: o.Time, Health: HealthDegraded})
	if want := `{"sensor":"S05-C012","time":"2026-11-22T22:02:03.000Z","health":"degraded"}`; string(hb) != want {
		t.Errorf("heartbeat %s, want %s", hb, want)
	}
}

// wireObservation is the wire format spelled out for encoding/json, the
// reference the hand-written encoder must match.
type wireObservation struct {
	Sensor     string    `json:"sensor"`
	Seq        uint64    `json:"seq"`
	Time       string    `json:"time"`
	Kind       Kind      `json:"kind"`
	Position   Position  `json:"position"`
	AccuracyM  float64   `json:"accuracy_m"`
	Class      Class     `json:"class"`
	Confidence float64   `json:"confidence"`
	Count      int       `json:"count,omitempty"`
	SizeM      float64   `json:"size_m,omitempty"`
	Velocity   *Velocity `json:"velocity,omitempty"`
}

func TestObservationMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sensors := []string{"S05-C012", "PATROL-S05-1", `odd "id" <&> é`}
	for i := range 20000 {
		o := Observation{
			Sensor:     sensors[i%len(sensors)],
			Seq:        r.Uint64N(1 << 40),
			Time:       time.UnixMilli(1_700_000_000_000 + r.Int64N(1e11)).UTC(),
			Kind:       KindThermalCamera,
			Position:   Position{Lat: jsonw.Round(r.Float64()*180-90, 6), Lon: jsonw.Round(r.Float64()*360-180, 6)},
			AccuracyM:  jsonw.Round(r.Float64()*200, 1),
			Class:      ClassUnknown,
			Confidence: jsonw.Round(r.Float64(), 2),
		}
		if i%2 == 0 {
			o.Count, o.SizeM = r.IntN(200), jsonw.Round(r.Float64()*20, 1)
			o.Velocity = &Velocity{EastMPS: jsonw.Round(r.NormFloat64()*5, 2), NorthMPS: jsonw.Round(r.NormFloat64()*0.01, 2)}
		}
		w := wireObservation{
			Sensor: o.Sensor, Seq: o.Seq, Time: o.Time.Format(jsonw.TimeLayout), Kind: o.Kind, Position: o.Position,
			AccuracyM: o.AccuracyM, Class: o.Class, Confidence: o.Confidence, Count: o.Count, SizeM: o.SizeM, Velocity: o.Velocity,
		}
		want, _ := json.Marshal(w)
		if got := o.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}

func TestTruthRecordRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 1, 2, 3, 456e6, time.UTC)
	recs := []TruthRecord{
		{Type: TruthScenario, Time: at, Until: at.Add(time.Hour), Scenario: "quiet-night", Seed: 3, Intensity: "realistic", Background: 1, Weather: 0.8, Theater: "iraq-syria"},
		{Type: TruthActor, Actor: "inf-0001", Time: at, ActorType: ActorInfiltrator, Class: ClassPerson, GroupSize: 4, Role: "cross", Sector: "S05", Zone: "Z-AKASHAT"},
		{Type: TruthActor, Actor: "PATROL-S05-1", Time: at, ActorType: ActorPatrol, Class: ClassVehicle, GroupSize: 1, Friendly: true, Role: "patrol", Sector: "S05", Sensor: "PATROL-S05-1"},
		{Type: TruthPosition, Actor: "inf-0001", Time: at, Lat: 34.1234567, Lon: 40.7654321},
		{Type: TruthCrossing, Actor: "inf-0001", Time: at, Lat: 34.1, Lon: 40.7, ChainageKm: 201.2345, Direction: Inbound, Sector: "S05"},
		{Type: TruthDetection, Actor: "inf-0001", Time: at, Sensor: "S05-C012", Seq: 18231},
		{Type: TruthOutage, Sensor: "S06-C001", Time: at, Until: at.Add(time.Minute), Cause: CausePower},
	}
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back TruthRecord
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%s decodes to\n%+v, want\n%+v", line, back, r)
		}
		if !strings.HasPrefix(string(line), `{"type":"`+string(r.Type)+`",`) {
			t.Errorf("%s does not start with its type", line)
		}
	}
	line, _ := json.Marshal(recs[3])
	if want := `{"type":"position","actor":"inf-0001","time":"2026-11-23T01:02:03.456Z","lat":34.1234567,"lon":40.7654321}`; string(line) != want {
		t.Errorf("position %s, want %s", line, want)
	}
}

func TestAppendFixed(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		dec  int
		want string
	}{
		{0, 2, "0"}, {-0.001, 2, "0"}, {1.5, 1, "1.5"}, {-0.3, 2, "-0.3"}, {35, 1, "35"},
		{34.380001, 6, "34.380001"}, {-179.999999, 6, "-179.999999"}, {1e-7, 7, "1e-7"}, {123456789.25, 2, "123456789.25"},
	} {
		if got := string(jsonw.AppendFixed(nil, jsonw.Round(tc.v, tc.dec), tc.dec)); got != tc.want {
			t.Errorf("jsonw.AppendFixed(%v, %d) = %s, want %s", tc.v, tc.dec, got, tc.want)
		}
	}
}
