package main

import (
	"context"
	"encoding/json"
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
	dir := t.TempDir()
	c := startChild(t, dir)
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

	// The live pipeline follows the log: every stored observation goes
	// through fusion, and the crossings raise alerts.
	want := mustFloat(m[1])
	pipelined := regexp.MustCompile(`(?m)^raqib_pipeline_observations_total (\S+)$`)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, metrics := get(t, c.url+"/metrics")
		mm := pipelined.FindSubmatch(metrics)
		if mm != nil && mustFloat(string(mm[1])) >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pipeline has not caught up with %v observations: %s", want, mm)
		}
		time.Sleep(200 * time.Millisecond)
	}
	alerts := countAlerts(t, c.url)
	if alerts == 0 {
		t.Fatal("ten minutes of infiltration raised no alert")
	}
	c.stop(t)

	// A restart rebuilds the picture from the log without raising again
	// what was already raised.
	c = startChild(t, dir)
	defer c.kill()
	time.Sleep(3 * time.Second)
	if again := countAlerts(t, c.url); again != alerts {
		t.Errorf("after a restart %d alerts, before it %d", again, alerts)
	}
	c.stop(t)
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func countAlerts(t *testing.T, url string) int {
	t.Helper()
	status, body := get(t, url+"/api/v1/alerts?limit=1000")
	if status != 200 {
		t.Fatalf("alerts: %d %s", status, body)
	}
	var list struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	return list.Count
}
