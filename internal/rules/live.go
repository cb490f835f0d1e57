package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-yaml"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

// LiveConfig is implemented by a LiveState whose thresholds may change
// while the engine runs. The engine reads RulesConfig before each step
// and, when it returns another configuration than the one it judges by,
// judges by the new one from that step on. Track memories and open groups
// are kept.
type LiveConfig interface {
	RulesConfig() *Config
}

// Thresholds holds the configuration a running engine judges by and
// changes it one sector at a time, each change a new validated copy
// swapped in whole. Its methods are safe from any goroutine.
type Thresholds struct {
	th  *theater.Theater
	mu  sync.Mutex // serialises changes
	cur atomic.Pointer[Config]
}

// NewThresholds starts from a copy of cfg, which should have been
// validated; th, when not nil, is used to check sector ids.
func NewThresholds(cfg *Config, th *theater.Theater) *Thresholds {
	t := &Thresholds{th: th}
	t.cur.Store(cfg.Clone())
	return t
}

// Config returns the current configuration. The caller must not change it.
func (t *Thresholds) Config() *Config { return t.cur.Load() }

// Sector returns a copy of a sector's current rule set.
func (t *Thresholds) Sector(id string) RuleSet { return t.cur.Load().Sector(id).clone() }

// SetSector replaces the rule set of one sector. The rule set is checked
// as a whole; an unknown sector or a bad field is refused with a
// *ConfigError whose fields are relative to the rule set
// ("approach.within").
func (t *Thresholds) SetSector(id string, rs RuleSet) error {
	if err := t.CheckSector(id, rs); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	next := t.cur.Load().Clone()
	if next.Sectors == nil {
		next.Sectors = map[string]RuleSet{}
	}
	next.Sectors[id] = rs.clone()
	if err := next.Validate(t.th); err != nil {
		return fmt.Errorf("rules: sector %s: %w", id, err)
	}
	t.cur.Store(next)
	return nil
}

// CheckSector reports what is wrong with a rule set for a sector, as a
// *ConfigError, or nil.
func (t *Thresholds) CheckSector(id string, rs RuleSet) error {
	var ps []Problem
	if id == "" {
		ps = append(ps, Problem{Field: "sector", Message: "required"})
	} else if t.th != nil && t.th.Sector(id) == nil {
		ps = append(ps, Problem{Field: "sector", Message: fmt.Sprintf("unknown sector %q", id)})
	}
	rs.check(func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	})
	if len(ps) > 0 {
		return &ConfigError{Problems: theater.SortProblems(ps)}
	}
	return nil
}

// ParseRuleSet reads one rule set, in YAML or JSON, over base: what data
// leaves out keeps its value in base, as a sector's override in a rules
// file does. Problems are named by field relative to the rule set, with
// name as their file, in a *ConfigError.
func ParseRuleSet(name string, data []byte, base RuleSet) (RuleSet, error) {
	if len(data) > maxConfigSize {
		return RuleSet{}, fmt.Errorf("rules: %s: %w", name, errs.E(errs.TooLarge, "%s is larger than %d bytes", name, maxConfigSize))
	}
	rs := base.clone()
	d := newDecoder(name)
	if body := d.parse(data); body != nil {
		d.decodeValue(reflect.ValueOf(&rs).Elem(), body, "")
	}
	if len(d.problems) == 0 {
		rs.check(func(field, format string, args ...any) { d.addField(field, fmt.Sprintf(format, args...)) })
	}
	if len(d.problems) > 0 {
		return RuleSet{}, &ConfigError{Problems: theater.SortProblems(d.problems)}
	}
	return rs, nil
}

// MarshalJSON writes the rule set with the field names of the rules file,
// durations as Go durations ("10m0s").
func (r RuleSet) MarshalJSON() ([]byte, error) {
	y, err := yaml.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("rules: encode rule set: %w", err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(y, &v); err != nil {
		return nil, fmt.Errorf("rules: encode rule set: %w", err)
	}
	return json.Marshal(v)
}
