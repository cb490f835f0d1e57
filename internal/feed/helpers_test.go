package feed

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/geo"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
	"raqib/internal/theater"
)

var (
	loadOnce sync.Once
	loaded   *theater.Theater
	loadErr  error
)

func embeddedTheater(t testing.TB) *theater.Theater {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = theater.Load(theater.Embedded()) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

// newHub builds a hub on the embedded theater; change adjusts the
// configuration.
func newHub(t testing.TB, change func(*Config)) *Hub {
	t.Helper()
	cfg := Config{Theater: embeddedTheater(t)}
	if change != nil {
		change(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// t0 is the tests' data time.
var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// trackAt is a confirmed track dist metres from the border (positive in
// Iraq) at a chainage, moving at speed m/s on the azimuth az.
func trackAt(th *theater.Theater, id string, chainage, dist, az, speed float64, at time.Time) fusion.Track {
	s, c := math.Sincos(az * math.Pi / 180)
	return fusion.Track{
		ID: id, Time: at, Pos: th.Border.OffsetPoint(chainage, dist, 250),
		Vel:    fusion.Velocity{East: speed * s, North: speed * c},
		PosCov: [3]float64{25, 0, 25}, VelCov: [3]float64{0.04, 0, 0.04},
		Status: fusion.StatusConfirmed, Class: fusion.ClassPerson, ClassProb: [3]float64{0.8, 0.1, 0.1},
		Count: 1, Born: at.Add(-time.Minute), LastSeen: at, Hits: 12, Sensors: []string{"CAM-001"},
	}
}

func update(kind fusion.UpdateKind, tr fusion.Track) fusion.Update {
	return fusion.Update{Kind: kind, Track: tr}
}

// message is any feed message, decoded.
type message struct {
	Type    string         `json:"type"`
	Seq     uint64         `json:"seq"`
	Time    time.Time      `json:"time"`
	Kind    string         `json:"kind"`
	Alert   *alert.Alert   `json:"alert"`
	Tracks  []decodedTrack `json:"tracks"`
	Alerts  []alert.Alert  `json:"alerts"`
	Deleted []string       `json:"deleted"`
	Message string         `json:"message"`
}

type decodedTrack struct {
	ID        string                `json:"id"`
	Time      time.Time             `json:"time"`
	Position  geo.LatLon            `json:"position"`
	Sector    string                `json:"sector"`
	Predicted *Prediction           `json:"predicted"`
	Trail     []pipeline.TrailPoint `json:"trail"`
}

func decodeMessage(t testing.TB, m Message) message {
	t.Helper()
	var out message
	if err := json.Unmarshal(m.Data, &out); err != nil {
		t.Fatalf("decode %s: %v", m.Data, err)
	}
	if out.Type != m.Type || out.Seq != m.Seq {
		t.Fatalf("message %s: type/seq %s/%d, want %s/%d", m.Data, out.Type, out.Seq, m.Type, m.Seq)
	}
	return out
}

// next takes the client's next message, failing after a second.
func next(t testing.TB, c *Client) message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil {
		t.Fatalf("next message: %v", err)
	}
	c.Sent(m)
	return decodeMessage(t, m)
}

// nothingPending checks that the client has no message waiting.
func nothingPending(t testing.TB, c *Client) {
	t.Helper()
	m, ok, err := c.take()
	if err != nil || ok {
		t.Fatalf("want nothing pending, have %s (err %v)", m.Data, err)
	}
}

// change is an alert change of alert id into a state.
func change(id int64, kind string, state alert.State) alert.Change {
	return alert.Change{Kind: kind, At: t0, Alert: alert.Alert{
		ID: id, Key: "T-1/approach", Rule: rules.RuleApproach, Severity: rules.SeverityHigh, State: state,
		Track: "T-1", Sector: "S05", Raised: t0, Updated: t0, Evidence: []alert.Evidence{},
	}}
}

// picture is a fixed live picture for trails.
type picture map[string][]pipeline.TrailPoint

func (p picture) Track(id string) (fusion.Track, []pipeline.TrailPoint, bool) {
	tr, ok := p[id]
	return fusion.Track{ID: id}, tr, ok
}
