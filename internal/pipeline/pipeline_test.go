package pipeline_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/sim"
	"raqib/internal/store/sqlite"
	"raqib/internal/theater"
)

// run plays a short simulated scenario through a fresh pipeline backed by
// a real SQLite alert store and returns everything it produced.
func run(t *testing.T, th *theater.Theater, shards int) (updates []fusion.Update, events []rules.Event, changes []alert.Change, tracks []fusion.Track) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "raqib.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	alerts, err := alert.NewService(db, alert.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Theater: th, Fusion: pipeline.FusionConfig(th, shards), Alerts: alerts})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	g, err := sim.New(th, sim.Options{Scenario: "alhol-escape", Seed: 3, Duration: 20 * time.Minute, Background: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	cursor := uint64(0)
	for {
		b, ok := g.Step()
		if !ok {
			break
		}
		if len(b.Observations) == 0 {
			continue
		}
		buf = buf[:0]
		for _, o := range b.Observations {
			buf = o.AppendJSON(buf)
			buf = append(buf, '\n')
		}
		obs, err := sensor.DecodeBatch(bytes.NewReader(buf), "application/x-ndjson", "", sensor.Limits{MaxObservations: 1 << 20, MaxBytes: 1 << 30}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		cursor++
		res, err := p.Process(ctx, obs, cursor)
		if err != nil {
			t.Fatal(err)
		}
		updates = append(updates, res.Updates...)
		events = append(events, res.Events...)
		changes = append(changes, res.Changes...)
		res, err = p.Advance(ctx, b.Until, cursor)
		if err != nil {
			t.Fatal(err)
		}
		updates = append(updates, res.Updates...)
		events = append(events, res.Events...)
		changes = append(changes, res.Changes...)
	}
	return updates, events, changes, p.Tracks()
}

func TestPipelineRaisesCrossingAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 20 minutes of a scenario")
	}
	th, err := theater.Load(theater.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	updates, events, changes, _ := run(t, th, 2)
	if len(updates) == 0 {
		t.Fatal("no track updates")
	}
	raised := map[rules.Rule]int{}
	keys := map[string]int{}
	for _, ch := range changes {
		if ch.Kind == alert.KindRaised {
			raised[ch.Alert.Rule]++
			keys[ch.Alert.Key]++
		}
	}
	t.Logf("%d updates, %d events, %d changes, raised %v", len(updates), len(events), len(changes), raised)
	if raised[rules.RuleInbound] == 0 {
		t.Errorf("an escape across the line raised no inbound-crossing alert")
	}
	if raised[rules.RuleApproach] == 0 {
		t.Errorf("no approach alert")
	}
	for k, n := range keys {
		if n > 1 {
			t.Errorf("alert key %s raised %d times while open", k, n)
		}
	}
}

func TestPipelineDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 20 minutes of a scenario twice")
	}
	th, err := theater.Load(theater.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	u1, e1, _, t1 := run(t, th, 2)
	u2, e2, _, t2 := run(t, th, 2)
	if len(u1) != len(u2) || len(e1) != len(e2) {
		t.Fatalf("two runs differ: %d/%d updates, %d/%d events", len(u1), len(u2), len(e1), len(e2))
	}
	for i := range u1 {
		if u1[i].Kind != u2[i].Kind || u1[i].Track.ID != u2[i].Track.ID || u1[i].Track.Pos != u2[i].Track.Pos {
			t.Fatalf("update %d differs: %v %s vs %v %s", i, u1[i].Kind, u1[i].Track.ID, u2[i].Kind, u2[i].Track.ID)
		}
	}
	ids := func(ts []fusion.Track) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	if !slices.Equal(ids(t1), ids(t2)) {
		t.Error("the live pictures differ")
	}
}
