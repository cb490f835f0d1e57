package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/fusion"
	"raqib/internal/theater"
)

func TestDefaultConfig(t *testing.T) {
	th := testTheater(t)
	c := DefaultConfig()
	if err := c.Validate(th); err != nil {
		t.Fatalf("embedded default: %v", err)
	}
	a := c.Defaults.Approach
	if !a.Enabled || a.Severity != SeverityHigh || a.Within != 10*time.Minute || a.MaxDistanceM != 6000 {
		t.Errorf("approach %+v", a)
	}
	if len(a.Classes) != 3 || c.Defaults.Group.MinTracks != 3 || c.Defaults.Inbound.MarginM != 15 {
		t.Errorf("defaults %+v", c.Defaults)
	}
	for _, rs := range c.Defaults.bases() {
		for _, cl := range rs.Classes {
			if cl == fusion.ClassAnimal {
				t.Errorf("a rule applies to animals by default: %+v", rs)
			}
		}
	}
	if c.ThreatScale[theater.ThreatCritical] != 1.5 || c.ThreatScale[theater.ThreatLow] != 0.8 || c.ClearAfter != 30*time.Second {
		t.Errorf("scale %v clear %v", c.ThreatScale, c.ClearAfter)
	}
	// Each call is a copy of its own.
	c.Defaults.Approach.Classes[0] = fusion.ClassAnimal
	if DefaultConfig().Defaults.Approach.Classes[0] == fusion.ClassAnimal {
		t.Error("DefaultConfig shares its class lists")
	}
}

func TestParseConfigOverrides(t *testing.T) {
	th := testTheater(t)
	src := `
threat_scale: {high: 2}
defaults:
  zone_entry: {enabled: false}
sectors:
  S05: &fast
    approach: {within: 15m}
  S06: *fast
  S07:
    <<: *fast
    loiter: {duration: 5m, night_only: false}
`
	c, err := ParseConfig("rules.yaml", []byte(src), th)
	if err != nil {
		t.Fatal(err)
	}
	if c.ThreatScale[theater.ThreatHigh] != 2 || c.ThreatScale[theater.ThreatLow] != 0.8 {
		t.Errorf("threat scale %v: want high changed, the rest kept", c.ThreatScale)
	}
	if c.Defaults.Zone.Enabled || c.Defaults.Zone.Severity != SeverityMedium {
		t.Errorf("zone %+v: want disabled with the default severity", c.Defaults.Zone)
	}
	for _, id := range []string{"S05", "S06", "S07"} {
		rs := c.Sector(id)
		if rs.Approach.Within != 15*time.Minute || rs.Approach.MaxDistanceM != 6000 || rs.Zone.Enabled {
			t.Errorf("%s: approach %+v zone %v", id, rs.Approach, rs.Zone.Enabled)
		}
	}
	if l := c.Sector("S07").Loiter; l.Duration != 5*time.Minute || l.NightOnly || l.RadiusM != 150 {
		t.Errorf("S07 loiter %+v", l)
	}
	if c.Sector("S04").Approach.Within != 10*time.Minute || c.Defaults.Approach.Within != 10*time.Minute {
		t.Error("an override leaked into the defaults")
	}
	if err := c.Validate(th); err != nil {
		t.Error(err)
	}
	if c, err := ParseConfig("empty.yaml", nil, th); err != nil || c.Defaults.Approach.Within != 10*time.Minute {
		t.Errorf("empty file: %v", err)
	}
}

func TestParseConfigProblems(t *testing.T) {
	th := testTheater(t)
	tests := []struct {
		name string
		src  string
		// want lists the problems expected, each as a part of its line.
		want []string
	}{
		{"unknown sector", "sectors:\n  S99: {approach: {within: 15m}}\n",
			[]string{`x.yaml:2:3: sectors.S99: unknown sector "S99"`}},
		{"negative duration", "defaults:\n  approach:\n    within: -5m\n",
			[]string{"x.yaml:3:5: defaults.approach.within: -5m0s is negative"}},
		{"duration without unit", "defaults:\n  loiter: {duration: 600}\n",
			[]string{"x.yaml:2:22: defaults.loiter.duration: want a duration with its unit"}},
		{"bad duration", "clear_after: 10 minutes\n",
			[]string{`x.yaml:1:14: clear_after: "10 minutes" is not a duration`}},
		{"unknown class", "defaults:\n  approach:\n    classes: [person, cat]\n",
			[]string{`x.yaml:3:23: defaults.approach.classes[1]: unknown class "cat"`}},
		{"unknown severity", "defaults:\n  zone_entry: {severity: urgent}\n",
			[]string{`x.yaml:2:16: defaults.zone_entry.severity: "urgent" is not a severity`}},
		{"unknown rule", "defaults:\n  teleport: {enabled: true}\n",
			[]string{"x.yaml:2:3: defaults.teleport: unknown field"}},
		{"unknown rule in a sector", "sectors:\n  S05:\n    teleport: {}\n",
			[]string{"x.yaml:3:5: sectors.S05.teleport: unknown field"}},
		{"unknown field", "defaults:\n  loiter: {radius: 100}\n",
			[]string{"x.yaml:2:12: defaults.loiter.radius: unknown field"}},
		{"unknown threat level", "threat_scale: {moderate: 1}\n",
			[]string{`x.yaml:1:16: threat_scale.moderate: "moderate" is not a threat level`}},
		{"bad number", "defaults:\n  group: {radius_m: wide}\n",
			[]string{"x.yaml:2:21: defaults.group.radius_m: want a number"}},
		{"bad count", "defaults:\n  group: {min_tracks: 1}\n",
			[]string{"x.yaml:2:11: defaults.group.min_tracks: 1: want 2 to 1000"}},
		{"negative distance in a sector", "sectors:\n  S06:\n    barrier_gap:\n      gap_depth_m: -1\n",
			[]string{"x.yaml:4:7: sectors.S06.barrier_gap.gap_depth_m: -1 is negative"}},
		{"bad scale", "threat_scale:\n  critical: 0\n",
			[]string{"x.yaml:2:3: threat_scale.critical: 0: want more than 0"}},
		{"list for a mapping", "defaults: [approach]\n",
			[]string{"x.yaml:1:11: defaults: want a mapping"}},
		{"not a mapping", "- approach\n",
			[]string{"x.yaml:1:1: want a mapping"}},
		{"syntax error", "defaults:\n  approach: {within: 10m\n",
			[]string{"x.yaml:", "syntax error"}},
		{"alias to nothing", "sectors:\n  S05: *nothing\n",
			[]string{"x.yaml:2:", "sectors.S05"}},
		{"every problem listed", "defaults:\n  approach: {within: -1s, severity: loud}\n  loiter: {radius_m: -5}\nsectors: {S77: {}}\n",
			[]string{"defaults.approach.severity", "defaults.approach.within", "defaults.loiter.radius_m", "sectors.S77"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(tt.src), th)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *ConfigError", err)
			}
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("code %s, want invalid", errs.CodeOf(err))
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if tt.name == "every problem listed" && len(ce.Problems) != 4 {
				t.Errorf("%d problems, want 4:\n%s", len(ce.Problems), msg)
			}
		})
	}
}

func TestParseConfigTooLarge(t *testing.T) {
	data := []byte("# " + strings.Repeat("x", maxConfigSize) + "\n")
	_, err := ParseConfig("big.yaml", data, nil)
	if errs.CodeOf(err) != errs.TooLarge {
		t.Fatalf("error %v, want too_large", err)
	}
}

func TestValidate(t *testing.T) {
	th := testTheater(t)
	c := DefaultConfig()
	c.Defaults.Approach.Severity = "loud"
	c.Defaults.Group.Duration = -time.Second
	delete(c.ThreatScale, theater.ThreatHigh)
	rs := c.Defaults.clone()
	rs.Loiter.RadiusM = 0
	c.Sectors = map[string]RuleSet{"S05": rs, "S42": c.Defaults.clone()}
	err := c.Validate(th)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v", err)
	}
	want := []string{
		"defaults.approach.severity", "defaults.group.duration", "threat_scale.high: missing",
		"sectors.S05.loiter.radius_m", `sectors.S42: unknown sector "S42"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	// A sector repeating a bad default is not reported twice.
	if n := strings.Count(err.Error(), "approach.severity"); n != 1 {
		t.Errorf("severity reported %d times:\n%v", n, err)
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(ce.Problems), len(want), err)
	}
	// Without a theater the sector ids are not checked.
	c = DefaultConfig()
	c.Sectors = map[string]RuleSet{"S42": c.Defaults.clone()}
	if err := c.Validate(nil); err != nil {
		t.Errorf("without a theater: %v", err)
	}
}

func TestEmbeddedFailureSurfaces(t *testing.T) {
	saved := defaultYAML
	defer func() { defaultYAML = saved }()
	defaultYAML = []byte("defaults: {approach: {within: soon}}\n")
	c := DefaultConfig()
	if err := c.Validate(nil); err == nil || !strings.Contains(err.Error(), "defaults.approach.within") {
		t.Fatalf("broken embedded default: %v", err)
	}
	if _, err := ParseConfig("x.yaml", nil, nil); err == nil {
		t.Fatal("ParseConfig over a broken default succeeded")
	}
}
