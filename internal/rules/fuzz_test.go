package rules

import (
	"errors"
	"strings"
	"testing"

	"raqib/internal/errs"
)

// fileLevel are the messages of problems with a file as a whole, which name
// no field.
var fileLevel = []string{"syntax error", "more than one YAML document", "want a mapping with the keys"}

// FuzzConfig checks that the decoder never panics, and that every problem
// it reports names its file and, unless it concerns the whole file, the
// field at fault and its line.
func FuzzConfig(f *testing.F) {
	f.Add(defaultYAML)
	for _, s := range []string{
		"",
		"sectors:\n  S05: &a {approach: {within: 15m}}\n  S06: {<<: *a, loiter: {duration: 5m}}\n",
		"defaults:\n  approach: {within: -5m, classes: [person, cat], severity: loud}\n",
		"threat_scale: {moderate: 1, high: .nan}\n",
		"defaults: {group: {min_tracks: 1e9, radius_m: .inf}}\n",
		"sectors: {S05: *x}\n",
		"a: &a [*a]\nsectors: {S05: {<<: *a}}\n",
		"--- \n---\n",
		"defaults: {approach: {within: !!binary aGVsbG8=}}\n",
		"{defaults: {loiter: {night_only: yes}}}",
		"a: &a {within: 1m}\nb: &b {<<: [*a, *a, *a]}\nc: &c {<<: [*b, *b, *b]}\ndefaults: {approach: {<<: *c}}\n",
	} {
		f.Add([]byte(s))
	}
	th := testTheater(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("f.yaml", data, th)
		if err == nil {
			if c == nil {
				t.Fatal("no config and no error")
			}
			if verr := c.Validate(th); verr != nil {
				t.Fatalf("parsed config does not validate: %v", verr)
			}
			New(th, c, nil)
			return
		}
		var ce *ConfigError
		if !errors.As(err, &ce) {
			if errs.CodeOf(err) != errs.TooLarge {
				t.Fatalf("error %v is neither a *ConfigError nor too large", err)
			}
			return
		}
		if len(ce.Problems) == 0 {
			t.Fatal("a ConfigError without problems")
		}
		for _, p := range ce.Problems {
			if p.File != "f.yaml" {
				t.Errorf("problem %q names file %q", p, p.File)
			}
			if p.Field == "" && !hasPrefixAny(p.Message, fileLevel) {
				t.Errorf("problem %q names no field", p)
			}
			if p.Field != "" && p.Line == 0 {
				t.Errorf("problem %q has no line", p)
			}
		}
	})
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
