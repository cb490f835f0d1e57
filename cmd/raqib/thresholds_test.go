package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"raqib/internal/auth"
)

// startMainIn runs the real server on a data directory until stop.
func startMainIn(t *testing.T, dir string) (m *Main, stop func()) {
	t.Helper()
	m = NewMain(io.Discard, io.Discard)
	m.Getenv = func(string) string { return "" }
	m.PasswordHash = testHash
	if err := m.ParseFlags("serve", []string{"--addr", "127.0.0.1:0", "--data", dir}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	return m, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

// commanderToken adds a commander of some sectors, of the force holding
// the first, and returns an API token of it.
func commanderToken(t *testing.T, m *Main, name string, sectors ...string) string {
	t.Helper()
	cli := cliContext(context.Background())
	force := auth.Force(m.theater.Theater().Sector(sectors[0]).Force)
	if _, err := m.auth.Accounts.AddUser(cli, auth.NewUser{Name: name, Force: force}); err != nil {
		t.Fatal(err)
	}
	secs, err := auth.SectorList(sectors...)
	if err != nil {
		t.Fatal(err)
	}
	priv := auth.Privileges{Roles: []auth.Role{auth.RoleCommander}, Sectors: secs}
	if err := m.auth.Accounts.GrantAsSystem(cli, name, priv); err != nil {
		t.Fatal(err)
	}
	tok, _, err := m.auth.Tokens.Issue(cli, name, "tests", auth.TokenScope{Roles: priv.Roles, Sectors: secs}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call makes a request with a bearer token and returns the status and body.
func call(t *testing.T, method, url, tok, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// approachWithin reads a sector's approach.within through the API.
func approachWithin(t *testing.T, m *Main, tok, sector string) string {
	t.Helper()
	code, body := call(t, "GET", m.URL()+"/api/v1/sectors/"+sector+"/thresholds", tok, "")
	if code != http.StatusOK {
		t.Fatalf("GET thresholds of %s: %d %s", sector, code, body)
	}
	var rs struct {
		Approach struct {
			Within string `json:"within"`
		} `json:"approach"`
	}
	if err := json.Unmarshal(body, &rs); err != nil {
		t.Fatalf("thresholds of %s: %v: %s", sector, err, body)
	}
	return rs.Approach.Within
}

// TestThresholdsDualControl: a commander of S06 proposes, only another
// commander of S06 can approve, the engine then judges by the new
// thresholds, and a restart keeps them.
func TestThresholdsDualControl(t *testing.T) {
	dir := t.TempDir()
	m, stop := startMainIn(t, dir)
	proposer := commanderToken(t, m, "cmdr-s06-a", "S06")
	approver := commanderToken(t, m, "cmdr-s06-b", "S06")
	outsider := commanderToken(t, m, "cmdr-s04", "S04")
	base := m.URL() + "/api/v1/sectors/S06/thresholds"

	if got := approachWithin(t, m, proposer, "S06"); got != "10m0s" {
		t.Fatalf("S06 approach.within %s before any change, want 10m0s", got)
	}
	code, body := call(t, "POST", base, proposer, `{"approach": {"horizon": "5m"}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "approach.horizon") {
		t.Fatalf("bad field: %d %s, want 400 naming approach.horizon", code, body)
	}
	code, body = call(t, "POST", base, proposer, `{"approach": {"within": "0s"}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "approach.within") {
		t.Fatalf("zero within: %d %s, want 400 naming approach.within", code, body)
	}
	if code, body = call(t, "POST", base, outsider, `{"approach": {"within": "15m"}}`); code != http.StatusForbidden {
		t.Fatalf("a commander of S04 proposing for S06: %d %s, want 403", code, body)
	}

	code, body = call(t, "POST", base, proposer, `{"approach": {"within": "15m"}}`)
	if code != http.StatusAccepted {
		t.Fatalf("propose: %d %s, want 202", code, body)
	}
	var req auth.Request
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	if req.State != auth.RequestPending || req.Sector != "S06" || !strings.Contains(req.Summary, "approach.within 10m0s → 15m0s") {
		t.Fatalf("proposed request: %+v", req)
	}
	if got := approachWithin(t, m, proposer, "S06"); got != "10m0s" {
		t.Fatalf("S06 approach.within %s before approval, want 10m0s", got)
	}

	code, body = call(t, "GET", base+"/requests", approver, "")
	if code != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`"id":%d`, req.ID)) {
		t.Fatalf("pending threshold changes: %d %s", code, body)
	}
	approve := fmt.Sprintf("%s/requests/%d/approve", base, req.ID)
	if code, body = call(t, "POST", approve, proposer, ""); code != http.StatusForbidden {
		t.Fatalf("the proposer approving: %d %s, want 403", code, body)
	}
	if code, body = call(t, "POST", approve, outsider, ""); code != http.StatusForbidden {
		t.Fatalf("a commander of S04 approving: %d %s, want 403", code, body)
	}
	code, body = call(t, "POST", approve, approver, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"state":"applied"`) {
		t.Fatalf("approve: %d %s, want 200 applied", code, body)
	}

	if got := approachWithin(t, m, proposer, "S06"); got != "15m0s" {
		t.Fatalf("S06 approach.within %s after approval, want 15m0s", got)
	}
	if got := approachWithin(t, m, proposer, "S05"); got != "10m0s" {
		t.Fatalf("S05 approach.within %s, want the default 10m0s", got)
	}
	if w := m.pipe.live.RulesConfig().Sector("S06").Approach.Within; w != 15*time.Minute {
		t.Fatalf("the engine's S06 within is %v, want 15m", w)
	}
	stop()

	m, stop = startMainIn(t, dir)
	defer stop()
	if got := approachWithin(t, m, approver, "S06"); got != "15m0s" {
		t.Fatalf("S06 approach.within %s after a restart, want 15m0s", got)
	}
	if w := m.pipe.live.RulesConfig().Sector("S06").Approach.Within; w != 15*time.Minute {
		t.Fatalf("after a restart the engine's S06 within is %v, want 15m", w)
	}
}
