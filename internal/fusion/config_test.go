package fusion

import (
	"math"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

func TestConfigValidate(t *testing.T) {
	key := func(p geo.LatLon) float64 { return p.Lon }
	for _, c := range []struct {
		name   string
		change func(*Config)
		want   string // in the message; "" for valid
	}{
		{"default", func(*Config) {}, ""},
		{"sharded", func(c *Config) { c.Key, c.Cuts = key, []float64{1000, 5000} }, ""},
		{"zero defaults", func(c *Config) { c.HandoffM, c.Gate, c.OOSWindow, c.Q = 0, 0, 0, nil }, ""},
		{"cuts without key", func(c *Config) { c.Cuts = []float64{1} }, "fusion: key: required with cuts"},
		{"cuts descending", func(c *Config) { c.Key, c.Cuts = key, []float64{5000, 1000} }, "fusion: cuts: must be ascending"},
		{"cut not a number", func(c *Config) { c.Key, c.Cuts = key, []float64{math.NaN()} }, "fusion: cuts: cut 0"},
		{"origins count", func(c *Config) { c.Key, c.Cuts, c.Origins = key, []float64{1}, []geo.LatLon{{}} }, "fusion: origins: want 2"},
		{"bad origin", func(c *Config) { c.Origins = []geo.LatLon{{Lat: 95}} }, "fusion: origins: origin 0"},
		{"handoff wider than shards", func(c *Config) { c.Key, c.Cuts = key, []float64{0, 600} }, "fusion: handoff_m"},
		{"negative handoff", func(c *Config) { c.HandoffM = -1 }, "fusion: handoff_m"},
		{"bad q", func(c *Config) { c.Q = map[Class]float64{ClassPerson: -1} }, "fusion: q: person"},
		{"q of no class", func(c *Config) { c.Q = map[Class]float64{9: 1} }, "fusion: q: class"},
		{"gate", func(c *Config) { c.Gate = math.Inf(1) }, "fusion: gate"},
		{"confirm_m", func(c *Config) { c.ConfirmM = 0 }, "fusion: confirm_m: must be ≥ 1"},
		{"confirm_n below m", func(c *Config) { c.ConfirmM, c.ConfirmN = 4, 3 }, "fusion: confirm_n: must be ≥ confirm_m (4)"},
		{"confirm_n too long", func(c *Config) { c.ConfirmN = 65 }, "fusion: confirm_n: must be ≤ 64"},
		{"span", func(c *Config) { c.ConfirmMinSpan = -time.Second }, "fusion: confirm_min_span"},
		{"confidence", func(c *Config) { c.ConfirmMinConfidence = 1.5 }, "fusion: confirm_min_confidence"},
		{"coast", func(c *Config) { c.CoastAfter = 0 }, "fusion: coast_after"},
		{"delete", func(c *Config) { c.DeleteAfter = -1 }, "fusion: delete_after"},
		{"tentative", func(c *Config) { c.TentativeDeleteAfter = 0 }, "fusion: tentative_delete_after"},
		{"oos window", func(c *Config) { c.OOSWindow = -time.Second }, "fusion: oos_window"},
		{"class threshold", func(c *Config) { c.ClassThreshold = 0 }, "fusion: class_threshold"},
		{"merge", func(c *Config) { c.MergeD2 = math.NaN() }, "fusion: merge_d2"},
		{"workers", func(c *Config) { c.Workers = -2 }, "fusion: workers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(errs.MessageOf(err), c.want) {
				t.Fatalf("Validate: %v, want a message with %q", err, c.want)
			}
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("code %v, want invalid", errs.CodeOf(err))
			}
			if _, err := New(cfg); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("New: %v, want an invalid error", err)
			}
		})
	}
}

func TestConfigValidateReportsEveryField(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ConfirmM, cfg.CoastAfter, cfg.Workers = 0, 0, -1
	msg := errs.MessageOf(cfg.Validate())
	for _, f := range []string{"confirm_m", "coast_after", "workers"} {
		if !strings.Contains(msg, "fusion: "+f+":") {
			t.Errorf("message %q does not name %s", msg, f)
		}
	}
}
