package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrackFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"--out", "x"}, "--in is required"},
		{"no output", []string{"--in", "x"}, "--out is required"},
		{"bad batch", []string{"--in", "x", "--out", "y", "--batch", "0"}, "--batch 0"},
		{"bad shards", []string{"--in", "x", "--out", "y", "--shards", "99"}, "--shards 99"},
		{"argument", []string{"--in", "x", "--out", "y", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := runTrack(context.Background(), tt.args, &bytes.Buffer{}, &stderr)
			if !errors.Is(err, errUsage) {
				t.Fatalf("err %v, want a usage error", err)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestTrackBadInput(t *testing.T) {
	dir := t.TempDir()
	good := `{"sensor":"S06-C027","seq":1,"time":"2026-11-23T20:06:35.013Z","kind":"thermal_camera","position":{"lat":34.399158,"lon":40.961504},"accuracy_m":16.9,"class":"person","confidence":0.8}`
	bad := `{"sensor":"S06-C027","seq":2,"time":"2026-11-23T20:06:36.013Z","kind":"thermal_camera","position":{"lat":134.4,"lon":40.96},"accuracy_m":16.9,"class":"person","confidence":0.8}`
	in := filepath.Join(dir, "obs.ndjson")
	if err := os.WriteFile(in, []byte(good+"\n\n"+good+"\n"+bad+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tracks.ndjson")
	err := runTrack(context.Background(), []string{"--in", in, "--out", out}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "lat") {
		t.Fatalf("err %v, want one naming line 4 and the latitude", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
	if err := runTrack(context.Background(), []string{"--in", filepath.Join(dir, "missing"), "--out", out}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("a missing input was accepted")
	}
}

func TestTrackDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a scenario")
	}
	dir := t.TempDir()
	obs := filepath.Join(dir, "obs.ndjson")
	ctx := context.Background()
	if err := runSim(ctx, []string{"--scenario", "alhol-escape", "--seed", "4", "--duration", "8m", "--intensity", "quiet", "--out", obs}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	read := func(shards string) (string, string) {
		tr, al := filepath.Join(dir, "t"+shards), filepath.Join(dir, "a"+shards)
		var stderr bytes.Buffer
		if err := runTrack(ctx, []string{"--in", obs, "--out", tr, "--alerts", al, "--shards", shards}, &bytes.Buffer{}, &stderr); err != nil {
			t.Fatalf("track: %v\n%s", err, stderr.String())
		}
		a, _ := os.ReadFile(tr)
		b, _ := os.ReadFile(al)
		return string(a), string(b)
	}
	t1, a1 := read("2")
	dir2 := filepath.Join(dir, "again")
	if err := os.Mkdir(dir2, 0o700); err != nil {
		t.Fatal(err)
	}
	t2, a2 := read("2")
	if t1 != t2 || a1 != a2 {
		t.Fatal("two runs of the same input wrote different files")
	}
	if !strings.Contains(t1, `"event":"confirmed"`) {
		t.Error("no confirmed track")
	}
	if !strings.Contains(a1, `"rule":"inbound_crossing"`) {
		t.Error("an escape across the line raised no inbound-crossing alert")
	}
}
