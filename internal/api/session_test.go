package api_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/theater"
)

// s03 is the scope of sector S03 alone.
func s03(t testing.TB) auth.Sectors {
	t.Helper()
	s, err := auth.SectorList("S03")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantError checks a JSON error answer: its status, code and a fragment of
// its message.
func wantError(t *testing.T, what string, status int, hdr http.Header, body []byte, wantStatus int, code, mention string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: %d %s, want %d", what, status, truncate(body), wantStatus)
	}
	if hdr.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Content-Type %q", what, hdr.Get("Content-Type"))
	}
	e := decode[errorBody](t, body)
	if e.Error.Code != code || !strings.Contains(e.Error.Message, mention) {
		t.Fatalf("%s: error %+v, want code %s mentioning %q", what, e.Error, code, mention)
	}
}

func TestLoginSetsCookie(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	for _, overTLS := range []bool{false, true} {
		req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(`{"user":"alice","password":"the long passphrase 1"}`))
		req.Header.Set("Content-Type", "application/json")
		if overTLS {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		f.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("sign in (TLS %v): %d %s", overTLS, rec.Code, rec.Body)
		}
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("sign in set %d cookies", len(cookies))
		}
		c := cookies[0]
		if c.Name != api.SessionCookie || len(c.Value) != auth.SessionTokenLen || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode ||
			c.Path != "/" || c.Secure != overTLS {
			t.Errorf("cookie (TLS %v) = %+v", overTLS, c)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		lr := decode[loginResponse](t, rec.Body.Bytes())
		if lr.User != "alice" || lr.Force != "army" || len(lr.Roles) != 1 || lr.Roles[0] != "operator" || lr.CSRF == "" ||
			lr.MustChange || lr.Via != "session" {
			t.Errorf("sign-in reply = %+v", lr)
		}
		if ids, ok := lr.Sectors.([]any); !ok || len(ids) != 1 || ids[0] != "S03" {
			t.Errorf("sectors = %#v", lr.Sectors)
		}
	}
	// The session signs in.
	c := f.login(t, "alice", "the long passphrase 1")
	code, _, body := f.doAs(t, c, "GET", "/api/v1/me", "")
	me := decode[loginResponse](t, body)
	if code != 200 || me.User != "alice" || me.CSRF != c.csrf || me.Via != "session" {
		t.Fatalf("me: %d %s", code, body)
	}
}

func TestLoginRefused(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	cases := []struct {
		name, ct, body string
		status         int
		code, mention  string
	}{
		{"wrong password", "application/json", `{"user":"alice","password":"not the password"}`, 401, "unauthorized", "name or password is wrong"},
		{"unknown user", "application/json", `{"user":"mallory","password":"not the password"}`, 401, "unauthorized", "name or password is wrong"},
		{"no password", "application/json", `{"user":"alice"}`, 400, "invalid", "password"},
		{"unknown field", "application/json", `{"user":"alice","password":"x","remember":true}`, 400, "invalid", "remember"},
		{"form", "application/x-www-form-urlencoded", `user=alice&password=x`, 400, "invalid", "Content-Type"},
		{"no content type", "", `{"user":"alice","password":"the long passphrase 1"}`, 400, "invalid", "Content-Type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/session", strings.NewReader(tc.body))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			wantError(t, tc.name, resp.StatusCode, resp.Header, body, tc.status, tc.code, tc.mention)
			if len(resp.Cookies()) != 0 {
				t.Errorf("a refused sign-in set %v", resp.Cookies())
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "root.admin", auth.ForceJOC, "the root passphrase 3", auth.Privileges{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})
	c := f.login(t, "root.admin", "the root passphrase 3")
	post := func(c cred) (int, http.Header, []byte) {
		return f.doAs(t, c, "POST", "/api/v1/crossings/X-QAIM/status", `{"status":"restricted","note":"night"}`)
	}
	noCSRF := cred{cookie: c.cookie}
	code, hdr, body := post(noCSRF)
	wantError(t, "POST without a CSRF token", code, hdr, body, 403, "forbidden", "csrf token missing")
	if !strings.Contains(string(body), api.CSRFHeader) {
		t.Errorf("refusal does not name the header: %s", body)
	}
	code, hdr, body = post(cred{cookie: c.cookie, csrf: strings.Repeat("A", len(c.csrf))})
	wantError(t, "POST with a wrong CSRF token", code, hdr, body, 403, "forbidden", "does not match")
	// A GET needs none.
	if code, _, body := f.doAs(t, noCSRF, "GET", "/api/v1/crossings/X-QAIM/history", ""); code != 200 {
		t.Fatalf("GET without a CSRF token: %d %s", code, body)
	}
	if code, _, body := post(c); code != 201 {
		t.Fatalf("POST with the CSRF token: %d %s", code, body)
	}
	// The refused requests changed nothing; the accepted one is the user's.
	_, _, body = f.do(t, "GET", "/api/v1/crossings/X-QAIM/history", "")
	h := decode[struct{ History []theater.CrossingChange }](t, body)
	var by []string
	for _, ch := range h.History {
		if ch.By != "theater" {
			by = append(by, ch.By)
		}
	}
	if len(by) != 1 || by[0] != "root.admin" {
		t.Fatalf("changes by %v, want one by root.admin", by)
	}
}

func TestBearerToken(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "ops.bot", auth.ForceJOC, "", auth.Privileges{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})
	tok, rec, err := f.auth.Tokens.Issue(cli(), "ops.bot", "automation", auth.TokenScope{Roles: []auth.Role{auth.RoleAdministrator}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := cred{token: tok}
	// No CSRF token needed, and the change is the token owner's.
	if code, _, body := f.doAs(t, c, "POST", "/api/v1/crossings/X-RABIA/status", `{"status":"closed"}`); code != 201 ||
		!strings.Contains(string(body), `"by":"ops.bot"`) {
		t.Fatalf("POST with a bearer token: %d %s", code, body)
	}
	code, _, body := f.doAs(t, c, "GET", "/api/v1/me", "")
	me := decode[loginResponse](t, body)
	if code != 200 || me.User != "ops.bot" || me.Via != "token" || me.CSRF != "" {
		t.Fatalf("me: %d %s", code, body)
	}
	// A token may not sign out or change a password.
	code, hdr, body := f.doAs(t, c, "DELETE", "/api/v1/session", "")
	wantError(t, "sign out with a token", code, hdr, body, 403, "forbidden", "browser session")

	if err := f.auth.Tokens.Revoke(cli(), rec.ID); err != nil {
		t.Fatal(err)
	}
	code, hdr, body = f.doAs(t, c, "GET", "/api/v1/sectors", "")
	wantError(t, "revoked token", code, hdr, body, 401, "unauthorized", "revoked")
	if hdr.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}

	for _, h := range []string{"Basic YWxpY2U6cHc=", "Bearer", "Bearer rqb_nonsense", "Bearer " + strings.Replace(tok, "rqb_", "xyz_", 1)} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/sectors", nil)
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		wantError(t, "Authorization: "+h, resp.StatusCode, resp.Header, body, 401, "unauthorized", "")
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	c := f.login(t, "alice", "the long passphrase 1")
	other := f.login(t, "alice", "the long passphrase 1")

	code, hdr, body := f.doAs(t, cred{cookie: c.cookie}, "DELETE", "/api/v1/session", "")
	wantError(t, "sign out without a CSRF token", code, hdr, body, 403, "forbidden", "csrf")
	resp := f.request(t, c, "DELETE", "/api/v1/session", "")
	readAll(t, resp)
	if resp.StatusCode != 204 {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].Name != api.SessionCookie || cs[0].MaxAge >= 0 || cs[0].Value != "" {
		t.Fatalf("sign out did not clear the cookie: %v", cs)
	}
	// The session is over; a refused cookie is cleared.
	resp = f.request(t, c, "GET", "/api/v1/me", "")
	body = readAll(t, resp)
	wantError(t, "the ended session", resp.StatusCode, resp.Header, body, 401, "unauthorized", "signed out")
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("a refused cookie is not cleared: %v", cs)
	}
	// The user's other session goes on.
	if code, _, body := f.doAs(t, other, "GET", "/api/v1/me", ""); code != 200 {
		t.Fatalf("the other session: %d %s", code, body)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	try := func(password string) (int, http.Header, []byte) {
		return f.doAs(t, cred{}, "POST", "/api/v1/session", `{"user":"alice","password":"`+password+`"}`)
	}
	for i := 1; i < auth.DefaultMaxFailures; i++ {
		code, hdr, body := try("not the password")
		wantError(t, "wrong password", code, hdr, body, 401, "unauthorized", "name or password is wrong")
	}
	code, hdr, body := try("not the password")
	wantError(t, "the failure that locks", code, hdr, body, 429, "unauthorized", "locked")
	if ra := hdr.Get("Retry-After"); ra != "900" {
		t.Errorf("Retry-After %q, want 900", ra)
	}
	// Locked even with the right password, for what is left of the lock.
	f.clock.Advance(10 * time.Minute)
	code, hdr, body = try("the long passphrase 1")
	wantError(t, "the right password while locked", code, hdr, body, 429, "unauthorized", "locked")
	if ra := hdr.Get("Retry-After"); ra != "300" {
		t.Errorf("Retry-After %q, want 300", ra)
	}
	f.clock.Advance(5 * time.Minute)
	if code, _, body := try("the long passphrase 1"); code != 200 {
		t.Fatalf("after the lock: %d %s", code, body)
	}
}

func TestThrottle(t *testing.T) {
	f := newFixtureWith(t, options{auth: func(c *auth.Config) { c.AddrMaxFailures = 3 }})
	for i := 0; i < 3; i++ {
		code, hdr, body := f.doAs(t, cred{}, "POST", "/api/v1/session", `{"user":"nobody","password":"guess guess guess"}`)
		wantError(t, "unknown user", code, hdr, body, 401, "unauthorized", "name or password is wrong")
	}
	code, hdr, body := f.doAs(t, cred{}, "POST", "/api/v1/session", `{"user":"nobody","password":"guess guess guess"}`)
	wantError(t, "throttled address", code, hdr, body, 429, "unauthorized", "too many failed sign-ins")
	if ra := hdr.Get("Retry-After"); ra != "900" {
		t.Errorf("Retry-After %q, want 900", ra)
	}
}

func TestMustChangePassword(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "alice", auth.ForceArmy, "", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	c := f.login(t, "alice", initialPassword)
	code, _, body := f.doAs(t, c, "GET", "/api/v1/me", "")
	if me := decode[loginResponse](t, body); code != 200 || !me.MustChange || len(me.Actions) != 0 {
		t.Fatalf("me: %d %s", code, body)
	}
	for _, path := range []string{"/api/v1/sectors", "/metrics", "/api/v1/version"} {
		code, hdr, body := f.doAs(t, c, "GET", path, "")
		wantError(t, path, code, hdr, body, 403, "forbidden", "alice must change the password first")
	}
	code, hdr, body := f.doAs(t, c, "POST", "/api/v1/me/password", `{"current":"not it at all","new":"the new passphrase 2"}`)
	wantError(t, "wrong current password", code, hdr, body, 403, "forbidden", "current password is wrong")
	code, hdr, body = f.doAs(t, c, "POST", "/api/v1/me/password", `{"current":"`+initialPassword+`","new":"short"}`)
	wantError(t, "short password", code, hdr, body, 400, "invalid", "password")

	other := f.login(t, "alice", initialPassword)
	if code, _, body := f.doAs(t, c, "POST", "/api/v1/me/password", `{"current":"`+initialPassword+`","new":"the new passphrase 2"}`); code != 204 {
		t.Fatalf("change password: %d %s", code, body)
	}
	if code, _, body := f.doAs(t, c, "GET", "/api/v1/sectors", ""); code != 200 {
		t.Fatalf("after the change: %d %s", code, truncate(body))
	}
	code, _, body = f.doAs(t, c, "GET", "/api/v1/me", "")
	if me := decode[loginResponse](t, body); code != 200 || me.MustChange || len(me.Actions) == 0 {
		t.Fatalf("me after the change: %d %s", code, body)
	}
	// The change ended the user's other sessions.
	code, hdr, body = f.doAs(t, other, "GET", "/api/v1/me", "")
	wantError(t, "another session after the change", code, hdr, body, 401, "unauthorized", "signed out")
}

// TestUnauthenticated: every route but the public ones answers 401 with a
// JSON error to a request without credentials; unknown paths too.
func TestUnauthenticated(t *testing.T) {
	f := newFixture(t)
	for _, rt := range api.Routes() {
		path := strings.NewReplacer("{id}", "1").Replace(rt.Path)
		code, hdr, body := f.doAs(t, cred{}, rt.Method, path, "")
		if rt.Access.Public {
			if code == 401 || code == 403 {
				t.Errorf("public %s: %d", rt.Pattern(), code)
			}
			continue
		}
		wantError(t, rt.Pattern(), code, hdr, body, 401, "unauthorized", "sign in required")
		if hdr.Get("WWW-Authenticate") != `Bearer realm="raqib"` {
			t.Errorf("%s: WWW-Authenticate %q", rt.Pattern(), hdr.Get("WWW-Authenticate"))
		}
	}
	code, hdr, body := f.doAs(t, cred{}, "GET", "/api/v1/no-such-thing", "")
	wantError(t, "unknown path", code, hdr, body, 401, "unauthorized", "sign in required")
}

// TestNoAuthenticator: without an Authenticator the public routes answer
// and every other route is unavailable, never open.
func TestNoAuthenticator(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(api.New(api.Config{Theater: f.svc, Ingest: f.ingest, Version: "test"}))
	defer srv.Close()
	for _, rt := range api.Routes() {
		path := strings.NewReplacer("{id}", "1").Replace(rt.Path)
		body := ""
		if rt.Method == "POST" {
			body = `{"user":"admin","password":"` + initialPassword + `"}`
		}
		req, _ := http.NewRequestWithContext(context.Background(), rt.Method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		f.admin.set(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data := readAll(t, resp)
		if rt.Access.Public && rt.Pattern() != "POST /api/v1/session" {
			if resp.StatusCode != 200 {
				t.Errorf("public %s: %d", rt.Pattern(), resp.StatusCode)
			}
			continue
		}
		wantError(t, rt.Pattern(), resp.StatusCode, resp.Header, data, 503, "unavailable", "authentication is not configured")
	}
}

// TestActorIsPrincipal: changes are recorded as made by the signed-in
// user.
func TestActorIsPrincipal(t *testing.T) {
	th := embeddedTheater(t)
	tgt := findTarget(t, th)
	f := newFixtureWith(t, options{alerts: true})
	in, _ := auth.SectorList(tgt.sector.ID)
	f.addUser(t, "sup.one", auth.Force(tgt.sector.Force), "supervisor's password", auth.Privileges{Roles: []auth.Role{auth.RoleSupervisor}, Sectors: in})
	c := f.login(t, "sup.one", "supervisor's password")
	id := f.raise(t, tgt)
	code, _, body := f.doAs(t, c, "POST", fmt.Sprintf("/api/v1/alerts/%d/assign", id), `{"to":"patrol 7"}`)
	if code != 200 || !strings.Contains(string(body), `"ack_by":"sup.one"`) {
		t.Fatalf("assign: %d %s", code, body)
	}
	code, _, body = f.doAs(t, c, "POST", "/api/v1/suppressions",
		`{"sector":"`+tgt.sector.ID+`","rules":["loiter"],"until":"`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`","reason":"grazing","by":"someone else"}`)
	if code != 201 || !strings.Contains(string(body), `"by":"sup.one"`) {
		t.Fatalf("suppression: %d %s", code, body)
	}
	code, _, body = f.doAs(t, c, "POST", "/api/v1/barriers/"+tgt.barrier.ID+"/progress", `{"status":"under_construction","progress_pct":50}`)
	if code != 201 || !strings.Contains(string(body), `"by":"sup.one"`) {
		t.Fatalf("barrier: %d %s", code, body)
	}
}

// TestStreamEndsWhenSignedOut: the alert stream checks its credentials at
// every keepalive and ends once the session is signed out.
func TestStreamEndsWhenSignedOut(t *testing.T) {
	f := newFixtureWith(t, options{alerts: true, keepalive: 20 * time.Millisecond})
	f.addUser(t, "alice", auth.ForceArmy, "the long passphrase 1", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}, Sectors: s03(t)})
	c := f.login(t, "alice", "the long passphrase 1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v1/alerts/stream", nil)
	c.set(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	waitFor := func(prefix string) string {
		t.Helper()
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), prefix) {
				return lines.Text()
			}
		}
		t.Fatalf("stream ended before %q: %v", prefix, lines.Err())
		return ""
	}
	waitFor(": keepalive")
	if code, _, body := f.doAs(t, c, "DELETE", "/api/v1/session", ""); code != 204 {
		t.Fatalf("sign out: %d %s", code, body)
	}
	waitFor("event: signed_out")
	if data := waitFor("data: "); !strings.Contains(data, "signed out") {
		t.Errorf("signed_out event: %s", data)
	}
	for lines.Scan() {
		if lines.Text() != "" {
			t.Errorf("the stream goes on after signed_out: %q", lines.Text())
		}
	}
}
