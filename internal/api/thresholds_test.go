package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/errs"
)

// fakeThresholds is a thresholds service that records what it is asked.
type fakeThresholds struct {
	mu       sync.Mutex
	proposed []string // the bodies proposed
	decided  []string // "approve 7" or "reject 7: reason"
}

var _ api.Thresholds = (*fakeThresholds)(nil)

func (f *fakeThresholds) SectorThresholds(_ context.Context, sector string) (json.RawMessage, error) {
	if sector != "S06" {
		return nil, errs.E(errs.NotFound, "sector %q not found", sector)
	}
	return json.RawMessage(`{"approach":{"within":"10m0s"}}`), nil
}

func (f *fakeThresholds) ProposeThresholds(_ context.Context, sector string, body []byte) (auth.Request, error) {
	if strings.Contains(string(body), "horizon") {
		return auth.Request{}, errs.E(errs.Invalid, "approach.horizon: unknown field")
	}
	f.mu.Lock()
	f.proposed = append(f.proposed, string(body))
	f.mu.Unlock()
	return auth.Request{ID: 7, Kind: "sector.thresholds", Sector: sector, State: auth.RequestPending}, nil
}

func (f *fakeThresholds) ThresholdRequests(_ context.Context, sector string) ([]auth.Request, error) {
	return []auth.Request{{ID: 7, Kind: "sector.thresholds", Sector: sector, State: auth.RequestPending}}, nil
}

func (f *fakeThresholds) DecideThresholds(_ context.Context, sector string, id int64, approve bool, reason string) (auth.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := auth.Request{ID: id, Kind: "sector.thresholds", Sector: sector, State: auth.RequestApplied}
	if approve {
		f.decided = append(f.decided, "approve "+sector)
	} else {
		f.decided = append(f.decided, "reject "+sector+": "+reason)
		r.State = auth.RequestRejected
	}
	return r, nil
}

func TestThresholdRoutes(t *testing.T) {
	f := newFixture(t)
	fake := &fakeThresholds{}
	srv := httptest.NewServer(api.New(api.Config{Theater: f.svc, Auth: api.ServiceAuthenticator{Service: f.auth},
		Now: f.clock.Now, Thresholds: fake}))
	t.Cleanup(srv.Close)

	force := auth.Force(embeddedTheater(t).Sector("S06").Force)
	s06, err := auth.SectorList("S06")
	if err != nil {
		t.Fatal(err)
	}
	commander := auth.Privileges{Roles: []auth.Role{auth.RoleCommander}, Sectors: s06}
	operator := auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s06}
	f.addUser(t, "cmdr", force, "wide steppe lantern 41", commander)
	f.addUser(t, "oper", force, "quiet river compass 17", operator)
	cmdr := cred{token: f.issueToken(t, "cmdr", auth.TokenScope{Roles: commander.Roles, Sectors: s06})}
	oper := cred{token: f.issueToken(t, "oper", auth.TokenScope{Roles: operator.Roles, Sectors: s06})}

	do := func(c cred, method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		c.set(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}

	base := "/api/v1/sectors/S06/thresholds"
	for _, tc := range []struct {
		name         string
		c            cred
		method, path string
		body         string
		want         int
		mention      string
	}{
		{"view", oper, "GET", base, "", 200, `"within":"10m0s"`},
		{"unknown sector", oper, "GET", "/api/v1/sectors/S99/thresholds", "", 404, "S99"},
		{"anonymous", cred{}, "GET", base, "", 401, "sign in"},
		{"propose", cmdr, "POST", base, `{"approach":{"within":"15m"}}`, 202, `"state":"pending"`},
		{"bad field", cmdr, "POST", base, `{"approach":{"horizon":"5m"}}`, 400, "approach.horizon"},
		{"not JSON", cmdr, "POST", base, `{"approach":`, 400, "not valid JSON"},
		{"operator proposes", oper, "POST", base, `{"approach":{"within":"15m"}}`, 403, "change sector thresholds"},
		{"pending", oper, "GET", base + "/requests", "", 200, `"count":1`},
		{"approve", cmdr, "POST", base + "/requests/7/approve", "", 200, `"state":"applied"`},
		{"bad request id", cmdr, "POST", base + "/requests/x/approve", "", 400, "request"},
		{"operator approves", oper, "POST", base + "/requests/7/approve", "", 403, "change sector thresholds"},
		{"reject without reason", cmdr, "POST", base + "/requests/7/reject", `{"reason":" "}`, 400, "reason"},
		{"reject", cmdr, "POST", base + "/requests/7/reject", `{"reason":"too wide"}`, 200, `"state":"rejected"`},
	} {
		code, body := do(tc.c, tc.method, tc.path, tc.body)
		if code != tc.want || !strings.Contains(body, tc.mention) {
			t.Errorf("%s: %d %s, want %d mentioning %s", tc.name, code, body, tc.want, tc.mention)
		}
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.proposed) != 1 || fake.proposed[0] != `{"approach":{"within":"15m"}}` {
		t.Errorf("proposed %q", fake.proposed)
	}
	if want := []string{"approve S06", "reject S06: too wide"}; strings.Join(fake.decided, "|") != strings.Join(want, "|") {
		t.Errorf("decided %q, want %q", fake.decided, want)
	}
}
