package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSimTenMinutesIntoServer: ten simulated minutes at the realistic
// intensity (about three million observations) go into a running server
// without a single refused request.
func TestSimTenMinutesIntoServer(t *testing.T) {
	if testing.Short() {
		t.Skip("sends about three million observations to a child server")
	}
	c := startChild(t, t.TempDir())
	defer c.kill()
	addr := strings.TrimPrefix(c.url, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := runCommand(t, ctx, "sim", "--scenario", "infiltration-anbar", "--intensity", "realistic",
		"--start", time.Now().UTC().Add(-15*time.Minute).Format(time.RFC3339), "--duration", "10m", "--speed", "0", "--addr", addr)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "failed 0 observations, 0 heartbeats") {
		t.Fatalf("the simulator reports failures:\n%s", out)
	}
	m := regexp.MustCompile(`observations (\d+) .*?(\d+) sent twice`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no observation count in the summary:\n%s", out)
	}
	_, metrics := get(t, c.url+"/metrics")
	got := map[string]string{}
	for _, mm := range regexp.MustCompile(`(raqib_ingest_[a-z_]+_total) (\S+)`).FindAllStringSubmatch(string(metrics), -1) {
		got[mm[1]] = mm[2]
	}
	for name, want := range map[string]string{"raqib_ingest_observations_total": m[1], "raqib_ingest_duplicates_total": m[2]} {
		g, _ := strconv.ParseFloat(got[name], 64)
		w, _ := strconv.ParseFloat(want, 64)
		if g != w {
			t.Errorf("%s = %s, the simulator sent %s", name, got[name], want)
		}
	}
	t.Logf("sim summary:\n%s\nserver: %v", out, got)
	c.stop(t)
}
