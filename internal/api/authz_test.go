package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"raqib/internal/alert"
	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/fusion"
	"raqib/internal/rules"
	"raqib/internal/theater"
)

// target is what the authorisation test acts on: objects of one sector,
// and a sector of another force.
type target struct {
	sector      *theater.Sector
	other       *theater.Sector
	crossing    *theater.Crossing
	barrier     *theater.Barrier // in sector only
	sensor      string           // a camera in sector
	otherSensor string           // a camera in other
}

// findTarget picks a sector with a crossing, a barrier segment lying in it
// alone and a camera, and a sector of another force with a camera.
func findTarget(t *testing.T, th *theater.Theater) target {
	t.Helper()
	for _, x := range th.Crossings {
		sec := th.Sector(x.Sector)
		cams := th.SectorCameras(x.Sector)
		if sec == nil || len(cams) == 0 {
			continue
		}
		var barrier *theater.Barrier
		for _, b := range th.Barriers {
			if len(b.Sectors) == 1 && b.Sectors[0] == sec.ID {
				barrier = b
				break
			}
		}
		if barrier == nil {
			continue
		}
		for _, o := range th.Sectors {
			if o.Force != sec.Force && len(th.SectorCameras(o.ID)) > 0 {
				return target{sector: sec, other: o, crossing: x, barrier: barrier,
					sensor: cams[0].ID, otherSensor: th.SectorCameras(o.ID)[0].ID}
			}
		}
	}
	t.Fatal("the theater has no sector with a crossing, a barrier segment of its own and a camera, next to a sector of another force")
	return target{}
}

// who is one principal of the test, with the credentials it presents.
type who struct {
	label    string
	user     string
	password string
	via      auth.Via // "" for no credentials at all
	c        cred
	// p is who the credentials sign in as: the expectations are computed
	// from it and the policy matrix.
	p auth.Principal
}

// principals builds, for every role, principals in the target sector (of
// its force), in the other sector (of the other force) and in every
// sector (of the joc), each signed in by API token and by session; one
// that must change its password; and one with no credentials.
func principals(t *testing.T, f *fixture, tgt target) []who {
	t.Helper()
	type scope struct {
		name    string
		force   auth.Force
		sectors auth.Sectors
		sensor  string // the sensor an ingest token is bound to
	}
	in, err := auth.SectorList(tgt.sector.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := auth.SectorList(tgt.other.ID)
	if err != nil {
		t.Fatal(err)
	}
	scopes := []scope{
		{"in", auth.Force(tgt.sector.Force), in, tgt.sensor},
		{"out", auth.Force(tgt.other.Force), out, tgt.otherSensor},
		{"all", auth.ForceJOC, auth.AllSectors(), ""},
	}
	var ws []who
	for i, role := range auth.Roles {
		for j, sc := range scopes {
			name := fmt.Sprintf("%s-%s", role, sc.name)
			password := fmt.Sprintf("correct horse %d battery %d", i, j)
			roles := []auth.Role{role}
			f.addUser(t, name, sc.force, password, auth.Privileges{Roles: roles, Sectors: sc.sectors})

			scopeOf := auth.TokenScope{Roles: roles, Sectors: sc.sectors}
			tokenP := auth.Principal{User: name, Force: sc.force, Roles: roles, Sectors: sc.sectors, Via: auth.ViaToken}
			if role == auth.RoleSensor && sc.sensor != "" {
				scopeOf = auth.TokenScope{Sensor: sc.sensor}
				tokenP.Sectors, tokenP.Sensor = auth.Sectors{}, sc.sensor
			}
			ws = append(ws, who{label: name + "/token", user: name, password: password, via: auth.ViaToken,
				c: cred{token: f.issueToken(t, name, scopeOf)}, p: tokenP})

			sessionP := auth.Principal{User: name, Force: sc.force, Roles: roles, Sectors: sc.sectors, Via: auth.ViaSession}
			ws = append(ws, who{label: name + "/session", user: name, password: password, via: auth.ViaSession,
				c: f.login(t, name, password), p: sessionP})
		}
	}
	f.addUser(t, "operator-new", auth.Force(tgt.sector.Force), "", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: in})
	ws = append(ws, who{label: "operator-new/session (must change)", user: "operator-new", password: initialPassword,
		via: auth.ViaSession, c: f.login(t, "operator-new", initialPassword),
		p: auth.Principal{User: "operator-new", Roles: []auth.Role{auth.RoleOperator}, Sectors: in, Via: auth.ViaSession, MustChange: true}})
	ws = append(ws, who{label: "anonymous"})
	return ws
}

// call is the request the test makes on a route for a principal.
type call struct {
	path string
	body string
	// c, if set, replaces the principal's credentials (a fresh session
	// for signing out).
	c *cred
	// want is the status of the call when it is allowed.
	want int
	// object says the call acts on an object in sector; sensor that it
	// submits that sensor's data.
	object bool
	sector string
	sensor string
	// stream: the answer is a stream, to be cut after the status.
	stream bool
}

// calls returns, by route pattern, how to call each route so that an
// allowed call succeeds, acting on the target's objects.
func calls(t *testing.T, f *fixture, tgt target) map[string]func(w who) call {
	t.Helper()
	sec, now := tgt.sector.ID, time.Now()
	f.addUser(t, "sign-in-target", auth.ForceJOC, "sign in target password", auth.Privileges{})
	seq := 0
	alertID := f.raise(t, tgt)
	get := func(path string) func(who) call {
		return func(who) call { return call{path: path, want: http.StatusOK} }
	}
	onAlert := func(action string, body string, assigned bool) func(who) call {
		return func(who) call {
			id := f.raise(t, tgt)
			if assigned {
				if _, err := f.alerts.Assign(system(), id, "patrol 7", "test"); err != nil {
					t.Fatal(err)
				}
			}
			return call{path: fmt.Sprintf("/api/v1/alerts/%d/%s", id, action), body: body, want: http.StatusOK, object: true, sector: sec}
		}
	}
	unavailable := func(path, body string) func(who) call {
		return func(who) call { return call{path: path, body: body, want: http.StatusServiceUnavailable} }
	}
	return map[string]func(who) call{
		"GET /healthz":             get("/healthz"),
		"GET /readyz":              get("/readyz"),
		"GET /metrics":             get("/metrics"),
		"GET /api/v1/openapi.json": get("/api/v1/openapi.json"),
		"GET /api/v1/version":      get("/api/v1/version"),
		"POST /api/v1/session": func(who) call {
			return call{path: "/api/v1/session", body: `{"user":"sign-in-target","password":"sign in target password"}`, want: http.StatusOK}
		},
		"DELETE /api/v1/session": func(w who) call {
			c := call{path: "/api/v1/session", want: http.StatusNoContent}
			if w.via == auth.ViaSession {
				fresh := f.login(t, w.user, w.password)
				c.c = &fresh
			}
			return c
		},
		"GET /api/v1/me": get("/api/v1/me"),
		"POST /api/v1/me/password": func(w who) call {
			// The new password is the current one: refused as invalid
			// once the route is reached, and nothing changes.
			b, _ := json.Marshal(map[string]string{"current": w.password, "new": w.password})
			return call{path: "/api/v1/me/password", body: string(b), want: http.StatusBadRequest}
		},
		"GET /api/v1/theater":                get("/api/v1/theater?layer=sectors"),
		"GET /api/v1/sectors":                get("/api/v1/sectors"),
		"GET /api/v1/sectors/{id}":           get("/api/v1/sectors/" + sec),
		"GET /api/v1/cameras":                get("/api/v1/cameras?sector=" + sec),
		"GET /api/v1/crossings":              get("/api/v1/crossings?sector=" + sec),
		"GET /api/v1/crossings/{id}/history": get("/api/v1/crossings/" + tgt.crossing.ID + "/history"),
		"POST /api/v1/crossings/{id}/status": func(who) call {
			return call{path: "/api/v1/crossings/" + tgt.crossing.ID + "/status", body: `{"status":"restricted","note":"checked"}`,
				want: http.StatusCreated, object: true, sector: sec}
		},
		"GET /api/v1/barriers":              get("/api/v1/barriers?sector=" + sec),
		"GET /api/v1/barriers/{id}/history": get("/api/v1/barriers/" + tgt.barrier.ID + "/history"),
		"POST /api/v1/barriers/{id}/progress": func(who) call {
			return call{path: "/api/v1/barriers/" + tgt.barrier.ID + "/progress", body: `{"status":"under_construction","progress_pct":42}`,
				want: http.StatusCreated, object: true, sector: sec}
		},
		"POST /api/v1/observations": func(who) call {
			seq++
			return call{path: "/api/v1/observations", body: "[" + obsJSON(tgt.sensor, seq, now) + "]", want: http.StatusOK, sensor: tgt.sensor}
		},
		"POST /api/v1/heartbeats": func(who) call {
			return call{path: "/api/v1/heartbeats", want: http.StatusOK, sensor: tgt.sensor,
				body: fmt.Sprintf(`[{"sensor":%q,"time":%q,"health":"ok"}]`, tgt.sensor, time.Now().UTC().Format(time.RFC3339))}
		},
		"GET /api/v1/sensors":                  get("/api/v1/sensors?sector=" + sec),
		"GET /api/v1/sensors/{id}":             get("/api/v1/sensors/" + tgt.sensor),
		"GET /api/v1/tracks":                   get("/api/v1/tracks"),
		"GET /api/v1/tracks/{id}":              get("/api/v1/tracks/T-LIVE"),
		"GET /api/v1/alerts":                   get("/api/v1/alerts?sector=" + sec),
		"GET /api/v1/alerts/stream":            func(who) call { return call{path: "/api/v1/alerts/stream", want: http.StatusOK, stream: true} },
		"GET /api/v1/feed":                     func(who) call { return call{path: "/api/v1/feed", want: http.StatusServiceUnavailable} }, // no hub here; feed_test.go opens real feeds
		"GET /api/v1/alerts/{id}":              get(fmt.Sprintf("/api/v1/alerts/%d", alertID)),
		"POST /api/v1/alerts/{id}/acknowledge": onAlert("acknowledge", "", false),
		"POST /api/v1/alerts/{id}/assign":      onAlert("assign", `{"to":"patrol 7"}`, false),
		"POST /api/v1/alerts/{id}/resolve":     onAlert("resolve", `{"note":"dealt with"}`, true),
		"POST /api/v1/alerts/{id}/dismiss":     onAlert("dismiss", `{"reason":"a herd of goats"}`, false),
		"GET /api/v1/suppressions":             get("/api/v1/suppressions"),
		"POST /api/v1/suppressions": func(who) call {
			// Loiter only, so that it holds back none of the test's alerts.
			return call{path: "/api/v1/suppressions", want: http.StatusCreated, object: true, sector: sec,
				body: fmt.Sprintf(`{"sector":%q,"rules":["loiter"],"until":%q,"reason":"grazing season"}`,
					sec, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))}
		},
		"GET /api/v1/replay": get("/api/v1/replay?at=" + now.Add(-time.Minute).UTC().Format(time.RFC3339)),
		"DELETE /api/v1/suppressions/{id}": func(who) call {
			sp, err := f.alerts.AddSuppression(system(), alert.Suppression{Sector: sec, Rules: []rules.Rule{rules.RuleLoiter},
				Until: time.Now().Add(time.Hour), Reason: "grazing season", By: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return call{path: fmt.Sprintf("/api/v1/suppressions/%d", sp.ID), want: http.StatusNoContent, object: true, sector: sec}
		},
		// Account administration (admin_test.go): each call acts on a
		// fresh account or request.
		"GET /api/v1/users":                  get("/api/v1/users"),
		"POST /api/v1/users":                 f.callAddUser(t),
		"POST /api/v1/users/{name}/disable":  f.callOnUser(t, "disable", "", http.StatusOK, nil),
		"POST /api/v1/users/{name}/enable":   f.callOnUser(t, "enable", "", http.StatusAccepted, f.disableUser),
		"POST /api/v1/users/{name}/unlock":   f.callOnUser(t, "unlock", "", http.StatusOK, nil),
		"POST /api/v1/users/{name}/password": f.callOnUser(t, "password", `{"password":"a fresh one-time secret"}`, http.StatusNoContent, nil),
		"POST /api/v1/users/{name}/grant":    f.callOnUser(t, "grant", `{"roles":["analyst"]}`, http.StatusAccepted, nil),
		"POST /api/v1/users/{name}/revoke":   f.callOnUser(t, "revoke", `{"roles":["operator"]}`, http.StatusOK, nil),
		"GET /api/v1/requests":               get("/api/v1/requests?state=pending"),
		"POST /api/v1/requests/{id}/approve": f.callOnRequest(t, "approve", ""),
		"POST /api/v1/requests/{id}/reject":  f.callOnRequest(t, "reject", `{"reason":"not needed"}`),
		"GET /api/v1/audit":                  func(who) call { return call{path: "/api/v1/audit", want: http.StatusServiceUnavailable} }, // no trail here; admin_test.go reads a real one

		// No thresholds service here; thresholds_test.go and cmd/raqib
		// drive the real one.
		"GET /api/v1/sectors/{id}/thresholds": unavailable("/api/v1/sectors/"+sec+"/thresholds", ""),
		"POST /api/v1/sectors/{id}/thresholds": unavailable("/api/v1/sectors/"+sec+"/thresholds",
			`{"approach":{"within":"15m"}}`),
		"GET /api/v1/sectors/{id}/thresholds/requests": unavailable("/api/v1/sectors/"+sec+"/thresholds/requests", ""),
		"POST /api/v1/sectors/{id}/thresholds/requests/{request}/approve": unavailable(
			"/api/v1/sectors/"+sec+"/thresholds/requests/1/approve", ""),
		"POST /api/v1/sectors/{id}/thresholds/requests/{request}/reject": unavailable(
			"/api/v1/sectors/"+sec+"/thresholds/requests/1/reject", `{"reason":"not needed"}`),
	}
}

// raise raises a new alert in the target sector, as the pipeline does.
func (f *fixture) raise(t *testing.T, tgt target) int64 {
	t.Helper()
	f.raised++
	ev := rules.Event{Rule: rules.RuleApproach, Phase: rules.PhaseBegin, Severity: rules.SeverityHigh,
		Track: fmt.Sprintf("T-%d", f.raised), Time: time.Now().UTC(), Pos: tgt.crossing.Position, Sector: tgt.sector.ID,
		Class: fusion.ClassPerson, Count: 1, Summary: "person heading for the line"}
	ch, err := f.alerts.Handle(system(), []rules.Event{ev}, uint64(f.raised))
	if err != nil || len(ch) != 1 || ch[0].Kind != alert.KindRaised || ch[0].Alert.Sector != tgt.sector.ID {
		t.Fatalf("raise an alert in %s: %+v %v", tgt.sector.ID, ch, err)
	}
	return ch[0].Alert.ID
}

// outcome is what the policy says of a call.
type outcome struct {
	allowed bool
	status  int      // of a refusal
	mention []string // what a refusal's message names
}

// expect computes the outcome of a call from the route's access, the
// policy matrix and the object the call acts on.
func expect(t *testing.T, rt api.Route, w who, c call) outcome {
	t.Helper()
	acc := rt.Access
	refused := func(mention ...string) outcome {
		return outcome{status: http.StatusForbidden, mention: append([]string{w.user}, mention...)}
	}
	switch {
	case acc.Public:
		return outcome{allowed: true}
	case w.via == "":
		return outcome{status: http.StatusUnauthorized, mention: []string{"sign in"}}
	case w.p.MustChange && !acc.SignedIn && !acc.Session:
		return refused("must change the password")
	case acc.SignedIn:
		return outcome{allowed: true}
	case acc.Session:
		if w.via != auth.ViaSession {
			return refused("session")
		}
		return outcome{allowed: true}
	}
	rule, ok := auth.RuleOf(acc.Action)
	if !ok {
		t.Fatalf("%s: action %q is not in auth.Matrix", rt.Pattern(), acc.Action)
	}
	if !granted(rule, w.p, "", true) {
		return refused(rule.Verb)
	}
	if c.object && !granted(rule, w.p, c.sector, false) {
		return refused(rule.Verb, c.sector)
	}
	if c.sensor != "" && w.p.Sensor != "" && w.p.Sensor != c.sensor {
		return refused(c.sensor)
	}
	return outcome{allowed: true}
}

// granted reports whether a row of the matrix grants the principal the
// action in the sector, or, with somewhere, in at least one sector.
func granted(rule auth.Rule, p auth.Principal, sector string, somewhere bool) bool {
	for _, g := range rule.Grants {
		if !p.HasRole(g.Role) || p.Clearance < g.Clearance {
			continue
		}
		switch {
		case g.Scope == auth.Anywhere:
			return true
		case somewhere && !p.Sectors.Empty():
			return true
		case !somewhere && p.Sectors.Contains(sector):
			return true
		}
	}
	return false
}

// TestAuthorization calls every route of the table as every principal of
// the set and checks that it is allowed or refused as the policy matrix
// says for the object it acts on: refused with 403 naming the user and
// what it may not do (401 without credentials), allowed with the route's
// success status. A route without a valid access rule, or one the test
// does not know how to call, fails the test.
func TestAuthorization(t *testing.T) {
	th := embeddedTheater(t)
	tgt := findTarget(t, th)
	live := tracks{{ID: "T-LIVE", Time: time.Now().UTC(), Pos: tgt.crossing.Position, Status: fusion.StatusConfirmed}}
	f := newFixtureWith(t, options{alerts: true, tracks: live, replay: &fakeReplayer{}})
	ws := principals(t, f, tgt)
	byRoute := calls(t, f, tgt)
	seen := map[string]bool{}
	for _, rt := range api.Routes() {
		seen[rt.Pattern()] = true
		if err := rt.Access.Validate(); err != nil {
			t.Errorf("route %s: %v", rt.Pattern(), err)
			continue
		}
		build, ok := byRoute[rt.Pattern()]
		if !ok {
			t.Errorf("route %s: the authorisation test does not know how to call it", rt.Pattern())
			continue
		}
		for _, w := range ws {
			t.Run(rt.Pattern()+"/"+w.label, func(t *testing.T) {
				c := build(w)
				want := expect(t, rt, w, c)
				status, body := f.send(t, rt.Method, c, w.c)
				switch {
				case want.allowed && status != c.want:
					t.Errorf("%s as %s: %d %s, want %d (the policy allows it)", rt.Pattern(), w.label, status, truncate(body), c.want)
				case want.allowed:
				case status != want.status:
					t.Errorf("%s as %s: %d %s, want %d (the policy refuses it)", rt.Pattern(), w.label, status, truncate(body), want.status)
				default:
					e := decode[errorBody](t, body)
					t.Logf("refused: %d %s", status, e.Error.Message)
					for _, m := range want.mention {
						if !strings.Contains(e.Error.Message, m) {
							t.Errorf("%s as %s: refusal %q does not name %q", rt.Pattern(), w.label, e.Error.Message, m)
						}
					}
				}
			})
		}
	}
	for p := range byRoute {
		if !seen[p] {
			t.Errorf("the authorisation test calls %s, which is not in the route table", p)
		}
	}
}

// send makes a call with the credentials, cutting a stream short once its
// status is known.
func (f *fixture) send(t *testing.T, method string, c call, cr cred) (int, []byte) {
	t.Helper()
	if c.c != nil {
		cr = *c.c
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, f.srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	cr.set(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if c.stream && resp.StatusCode == http.StatusOK {
		cancel()
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	return resp.StatusCode, readAll(t, resp)
}
