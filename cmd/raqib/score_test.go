package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const scoreData = "../../internal/score/testdata/"

func TestScoreFlagErrors(t *testing.T) {
	good := []string{"--truth", scoreData + "truth.ndjson", "--tracks", scoreData + "tracks.ndjson", "--alerts", scoreData + "alerts.ndjson"}
	for _, tc := range []struct {
		args []string
		want []string // every one must be named
	}{
		{[]string{}, []string{"--truth is required", "--tracks is required", "--alerts is required"}},
		{[]string{"--truth", "t.ndjson"}, []string{"--tracks is required", "--alerts is required"}},
		{append([]string{"--theater", "/no/such/dir"}, good...), []string{`--theater "/no/such/dir"`}},
		{append(append([]string{}, good...), "stray"), []string{`"stray"`}},
		{[]string{"--truth", "-", "--tracks", "x", "--alerts", "y"}, []string{"--truth -"}},
	} {
		var stderr bytes.Buffer
		err := runScore(context.Background(), tc.args, io.Discard, &stderr)
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || !strings.Contains(stderr.String(), w) {
				t.Errorf("%v: error %q (stderr %q) does not name %s", tc.args, err, stderr.String(), w)
			}
		}
	}
	var stderr bytes.Buffer
	if err := runScore(context.Background(), []string{"--nope"}, io.Discard, &stderr); err == nil || !strings.Contains(stderr.String(), "-nope") {
		t.Errorf("unknown flag: %v, %q", err, stderr.String())
	}
	if err := runScore(context.Background(), []string{"-h"}, io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "raqib score --truth FILE") {
		t.Errorf("-h: %v", err)
	}
}

func TestScoreCommand(t *testing.T) {
	args := []string{"--truth", scoreData + "truth.ndjson", "--tracks", scoreData + "tracks.ndjson", "--alerts", scoreData + "alerts.ndjson"}
	var out bytes.Buffer
	if err := runScore(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"recall", "25.0% of 4 hostile crossings", "warning", "gospa", "inf-B", "late"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runScore(context.Background(), append(args, "--json"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Scenario string `json:"scenario"`
		Recall   struct {
			Crossings, Caught int
		} `json:"recall"`
		Tracks struct {
			IDSwitches int `json:"id_switches"`
		} `json:"tracks"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Scenario != "hand-made" || rep.Recall.Crossings != 4 || rep.Recall.Caught != 1 || rep.Tracks.IDSwitches != 1 {
		t.Errorf("report %+v", rep)
	}
}

func TestScoreBadFiles(t *testing.T) {
	dir := t.TempDir()
	tracks, err := os.ReadFile(scoreData + "tracks.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "tracks.ndjson")
	lines := strings.SplitAfter(string(tracks), "\n")
	lines[2] = strings.Replace(lines[2], `"event":"measured"`, `"event":"hatched"`, 1)
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tracks string
		want   string
	}{
		{bad, bad + `:3: event: unknown "hatched"`},
		{filepath.Join(dir, "missing.ndjson"), "missing.ndjson"},
	} {
		args := []string{"--truth", scoreData + "truth.ndjson", "--tracks", tc.tracks, "--alerts", scoreData + "alerts.ndjson"}
		err := runScore(context.Background(), args, io.Discard, io.Discard)
		if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.tracks, err, tc.want)
		}
	}
}
