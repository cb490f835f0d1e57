package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"raqib/internal/api"
	"raqib/internal/auth"
	"raqib/internal/auth/audit"
	"raqib/internal/store/sqlite"
)

// trailRecorder writes the auth services' events into the audit trail, as
// cmd/raqib does.
type trailRecorder struct{ log *audit.Log }

func (r trailRecorder) Record(ctx context.Context, e auth.Event) error {
	detail := maps.Clone(e.Detail)
	if detail == nil {
		detail = map[string]string{}
	}
	outcome := audit.OutcomeOK
	if e.Outcome != auth.OutcomeSuccess {
		outcome = audit.OutcomeRefused
		detail["result"] = string(e.Outcome)
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	actor := e.Actor
	if actor == "" {
		actor = "unknown"
	}
	_, err = r.log.Append(ctx, audit.Entry{Actor: actor, Force: string(e.Force), Action: e.Action,
		Object: e.Object, Sector: e.Sector, Outcome: outcome, Detail: raw})
	return err
}

// newAdminFixture is a server with the account services auditing into a
// real audit trail, which GET /api/v1/audit reads.
func newAdminFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "raqib.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	trail, err := audit.New(db, nil, audit.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	svc, err := auth.New(db, trailRecorder{trail}, auth.Config{Hash: cheap, Now: clk.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Auth: api.ServiceAuthenticator{Service: svc}, AuditTrail: db, Now: clk.Now}))
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, db: db, auth: svc, clock: clk}
}

// userJSON is an account as the API shows it.
type userJSON struct {
	Name       string   `json:"name"`
	Force      string   `json:"force"`
	Roles      []string `json:"roles"`
	Sectors    any      `json:"sectors"`
	Clearance  string   `json:"clearance"`
	Password   bool     `json:"password"`
	MustChange bool     `json:"must_change"`
	Disabled   bool     `json:"disabled"`
	Locked     bool     `json:"locked"`
}

// requestJSON is a dual-control request as the API shows it.
type requestJSON struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"`
	State      string `json:"state"`
	ProposedBy string `json:"proposed_by"`
	DecidedBy  string `json:"decided_by"`
	Detail     string `json:"detail"`
	Summary    string `json:"summary"`
}

// entryJSON is an audit entry as the API shows it.
type entryJSON struct {
	Seq     uint64 `json:"seq"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Object  string `json:"object"`
	Sector  string `json:"sector"`
	Outcome string `json:"outcome"`
}

type auditPage struct {
	Entries []entryJSON `json:"entries"`
	Count   int         `json:"count"`
	More    bool        `json:"more"`
}

// want sends a request and checks its status, returning the body.
func (f *fixture) want(t *testing.T, c cred, method, path, body string, status int) []byte {
	t.Helper()
	code, _, data := f.doAs(t, c, method, path, body)
	if code != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, truncate(data), status)
	}
	return data
}

// refused checks a refusal's status and that its message names each of
// mention.
func (f *fixture) refused(t *testing.T, c cred, method, path, body string, status int, mention ...string) {
	t.Helper()
	e := decode[errorBody](t, f.want(t, c, method, path, body, status))
	for _, m := range mention {
		if !strings.Contains(e.Error.Message, m) {
			t.Errorf("%s %s: message %q does not name %q", method, path, e.Error.Message, m)
		}
	}
}

func (f *fixture) userByName(t *testing.T, c cred, name string) userJSON {
	t.Helper()
	list := decode[struct {
		Users []userJSON `json:"users"`
	}](t, f.want(t, c, "GET", "/api/v1/users", "", http.StatusOK))
	for _, u := range list.Users {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("GET /api/v1/users: no user %s", name)
	return userJSON{}
}

// TestAdminAccounts drives account administration over HTTP as the
// command line does it: adding, dual-controlled grants and enabling,
// disabling, unlocking, revoking, resetting a password, and the audit
// trail those actions leave.
func TestAdminAccounts(t *testing.T) {
	f := newAdminFixture(t)
	all := auth.Privileges{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()}
	f.addUser(t, "admin", auth.ForceJOC, "first chief passphrase", all)
	f.addUser(t, "admin2", auth.ForceJOC, "second chief passphrase", all)
	s03, err := auth.SectorList("S03")
	if err != nil {
		t.Fatal(err)
	}
	f.addUser(t, "super", auth.ForceArmy, "watch leader passphrase", auth.Privileges{Roles: []auth.Role{auth.RoleSupervisor}, Sectors: s03})
	f.addUser(t, "cmdr", auth.ForceArmy, "commander passphrase", auth.Privileges{Roles: []auth.Role{auth.RoleCommander}, Sectors: s03})
	admin := f.login(t, "admin", "first chief passphrase") // a session: CSRF on every POST
	admin2 := cred{token: f.issueToken(t, "admin2", auth.TokenScope{Roles: all.Roles, Sectors: all.Sectors})}
	super := f.login(t, "super", "watch leader passphrase")
	cmdr := f.login(t, "cmdr", "commander passphrase")

	t.Run("a supervisor may not manage users", func(t *testing.T) {
		f.refused(t, super, "GET", "/api/v1/users", "", http.StatusForbidden, "super", "manage users")
		f.refused(t, super, "POST", "/api/v1/users", `{"name":"sneaky","force":"army"}`, http.StatusForbidden, "manage users")
		f.refused(t, super, "GET", "/api/v1/requests", "", http.StatusForbidden, "grant roles")
	})

	t.Run("a session must send its CSRF token", func(t *testing.T) {
		noCSRF := admin
		noCSRF.csrf = ""
		f.refused(t, noCSRF, "POST", "/api/v1/users", `{"name":"forged","force":"army"}`, http.StatusForbidden, "csrf")
	})

	// Add an account: a one-time password, no roles.
	u := decode[userJSON](t, f.want(t, admin, "POST", "/api/v1/users",
		`{"name":"newbie","display_name":"New Bie","force":"army","password":"first one-time phrase"}`, http.StatusCreated))
	if u.Name != "newbie" || u.Force != "army" || !u.MustChange || !u.Password || len(u.Roles) != 0 || u.Disabled {
		t.Fatalf("added user: %+v", u)
	}
	raw := string(f.want(t, admin, "GET", "/api/v1/users", "", http.StatusOK))
	if strings.Contains(raw, "argon2") || strings.Contains(raw, "hash") {
		t.Fatalf("the user list shows a password hash: %s", truncate([]byte(raw)))
	}
	f.refused(t, admin, "POST", "/api/v1/users", `{"name":"newbie","force":"army"}`, http.StatusConflict)
	if lr := decode[loginResponse](t, f.want(t, cred{}, "POST", "/api/v1/session",
		`{"user":"newbie","password":"first one-time phrase"}`, http.StatusOK)); !lr.MustChange {
		t.Errorf("newbie signed in without having to change the one-time password")
	}

	// Grant under dual control.
	req := decode[requestJSON](t, f.want(t, admin, "POST", "/api/v1/users/newbie/grant",
		`{"roles":["operator"],"sectors":["S03"]}`, http.StatusAccepted))
	if req.State != "pending" || req.Kind != "role.grant" || req.ProposedBy != "admin" {
		t.Fatalf("proposed grant: %+v", req)
	}
	if got := f.userByName(t, admin, "newbie"); len(got.Roles) != 0 {
		t.Fatalf("the grant took effect before approval: %+v", got)
	}
	approve := fmt.Sprintf("/api/v1/requests/%d/approve", req.ID)
	f.refused(t, admin, "POST", approve, "", http.StatusForbidden, "another person must approve it")
	pending := decode[struct {
		Requests []requestJSON `json:"requests"`
	}](t, f.want(t, admin2, "GET", "/api/v1/requests?state=pending", "", http.StatusOK))
	if !slices.ContainsFunc(pending.Requests, func(r requestJSON) bool { return r.ID == req.ID }) {
		t.Fatalf("request %d is not listed as pending: %+v", req.ID, pending.Requests)
	}
	done := decode[requestJSON](t, f.want(t, admin2, "POST", approve, "", http.StatusOK))
	if done.State != "applied" || done.DecidedBy != "admin2" {
		t.Fatalf("approved request: %+v", done)
	}
	if got := f.userByName(t, admin, "newbie"); !slices.Equal(got.Roles, []string{"operator"}) || fmt.Sprint(got.Sectors) != "[S03]" {
		t.Fatalf("after approval newbie has %+v, want operator in S03", got)
	}
	f.refused(t, admin2, "POST", approve, "", http.StatusConflict, "already applied")

	// Reject with a reason.
	req = decode[requestJSON](t, f.want(t, admin, "POST", "/api/v1/users/newbie/grant", `{"clearance":"restricted"}`, http.StatusAccepted))
	reject := fmt.Sprintf("/api/v1/requests/%d/reject", req.ID)
	f.refused(t, admin2, "POST", reject, `{}`, http.StatusBadRequest, "reason: required")
	rej := decode[requestJSON](t, f.want(t, admin2, "POST", reject, `{"reason":"no need to know"}`, http.StatusOK))
	if rej.State != "rejected" || rej.Detail != "no need to know" || rej.DecidedBy != "admin2" {
		t.Fatalf("rejected request: %+v", rej)
	}
	if got := f.userByName(t, admin, "newbie"); got.Clearance != "none" {
		t.Fatalf("a rejected grant took effect: %+v", got)
	}

	// Disable at once; enable under dual control.
	if got := decode[userJSON](t, f.want(t, admin, "POST", "/api/v1/users/newbie/disable", "", http.StatusOK)); !got.Disabled {
		t.Fatalf("disabled user: %+v", got)
	}
	req = decode[requestJSON](t, f.want(t, admin, "POST", "/api/v1/users/newbie/enable", "", http.StatusAccepted))
	if req.Kind != "user.enable" || req.State != "pending" {
		t.Fatalf("proposed enable: %+v", req)
	}
	if got := f.userByName(t, admin, "newbie"); !got.Disabled {
		t.Fatalf("enabled before approval: %+v", got)
	}
	f.want(t, admin2, "POST", fmt.Sprintf("/api/v1/requests/%d/approve", req.ID), "", http.StatusOK)
	if got := f.userByName(t, admin, "newbie"); got.Disabled {
		t.Fatalf("still disabled after approval: %+v", got)
	}

	// Unlock an account locked by failed sign-ins.
	f.addUser(t, "locky", auth.ForceArmy, "the right passphrase", auth.Privileges{})
	for range auth.DefaultMaxFailures {
		f.doAs(t, cred{}, "POST", "/api/v1/session", `{"user":"locky","password":"a wrong passphrase"}`)
	}
	if got := f.userByName(t, admin, "locky"); !got.Locked {
		t.Fatalf("locky is not locked after %d failures: %+v", auth.DefaultMaxFailures, got)
	}
	if got := decode[userJSON](t, f.want(t, admin, "POST", "/api/v1/users/locky/unlock", "", http.StatusOK)); got.Locked {
		t.Fatalf("unlocked user: %+v", got)
	}
	f.login(t, "locky", "the right passphrase")

	// Revoke at once; reset a one-time password.
	if got := decode[userJSON](t, f.want(t, admin, "POST", "/api/v1/users/newbie/revoke", `{"roles":["operator"],"sectors":"all"}`, http.StatusOK)); len(got.Roles) != 0 {
		t.Fatalf("revoked user: %+v", got)
	}
	f.want(t, admin, "POST", "/api/v1/users/newbie/password", `{"password":"second one-time phrase"}`, http.StatusNoContent)
	if lr := decode[loginResponse](t, f.want(t, cred{}, "POST", "/api/v1/session",
		`{"user":"newbie","password":"second one-time phrase"}`, http.StatusOK)); !lr.MustChange {
		t.Errorf("newbie signed in with a reset password without having to change it")
	}
	f.refused(t, admin, "POST", "/api/v1/users/admin2/password", `{"password":"taking over the second chief"}`, http.StatusForbidden, "command line")
	f.refused(t, admin, "POST", "/api/v1/users/nobody/disable", "", http.StatusNotFound)

	// The audit trail.
	f.refused(t, super, "GET", "/api/v1/audit", "", http.StatusForbidden, "read the audit trail")
	page := decode[auditPage](t, f.want(t, admin, "GET", "/api/v1/audit?limit=1000", "", http.StatusOK))
	if page.More || page.Count != len(page.Entries) {
		t.Fatalf("audit page: count %d, %d entries, more %v", page.Count, len(page.Entries), page.More)
	}
	has := func(actor, action, object, outcome string) bool {
		return slices.ContainsFunc(page.Entries, func(e entryJSON) bool {
			return e.Actor == actor && e.Action == action && e.Object == object && e.Outcome == outcome
		})
	}
	for _, w := range []struct{ actor, action, object, outcome string }{
		{"admin", auth.AuditUserAdd, "user/newbie", "ok"},
		{"admin", auth.AuditRequestPropose, "request/1", "ok"},
		{"admin", auth.AuditRequestApprove, "request/1", "refused"},
		{"admin2", auth.AuditRequestApprove, "request/1", "ok"},
		{"admin2", auth.AuditRoleGrant, "user/newbie", "ok"},
		{"admin2", auth.AuditRequestReject, "request/2", "ok"},
		{"admin", auth.AuditUserDisable, "user/newbie", "ok"},
		{"admin2", auth.AuditUserEnable, "user/newbie", "ok"},
		{"admin", auth.AuditUserUnlock, "user/locky", "ok"},
		{"admin", auth.AuditRoleRevoke, "user/newbie", "ok"},
		{"admin", auth.AuditPasswordReset, "user/newbie", "ok"},
	} {
		if !has(w.actor, w.action, w.object, w.outcome) {
			t.Errorf("the audit trail has no %s %s %s %s", w.actor, w.action, w.object, w.outcome)
		}
	}
	// Paging: two at a time, continuing after the last seq, gives the
	// same entries.
	var paged []uint64
	for after := uint64(0); ; {
		p := decode[auditPage](t, f.want(t, admin, "GET", fmt.Sprintf("/api/v1/audit?limit=2&after=%d", after), "", http.StatusOK))
		for _, e := range p.Entries {
			paged = append(paged, e.Seq)
		}
		if !p.More {
			break
		}
		after = p.Entries[len(p.Entries)-1].Seq
	}
	if len(paged) != len(page.Entries) || !slices.IsSorted(paged) || paged[0] != page.Entries[0].Seq {
		t.Errorf("paged %d entries %v, want the %d of one page", len(paged), paged, len(page.Entries))
	}
	// A time range in the future is empty.
	future := f.clock.Now().Add(time.Hour).Format(time.RFC3339)
	if p := decode[auditPage](t, f.want(t, admin, "GET", "/api/v1/audit?from="+future, "", http.StatusOK)); p.Count != 0 {
		t.Errorf("entries after %s: %d, want none", future, p.Count)
	}
	// A commander of S03 reads only S03's entries; the account events are
	// in no sector.
	if p := decode[auditPage](t, f.want(t, cmdr, "GET", "/api/v1/audit", "", http.StatusOK)); slices.ContainsFunc(p.Entries,
		func(e entryJSON) bool { return e.Sector != "S03" }) {
		t.Errorf("the commander of S03 reads entries of other sectors: %+v", p.Entries)
	}
}

// TestAdminBadInput checks that malformed arguments and bodies are refused
// with 400 naming what is wrong.
func TestAdminBadInput(t *testing.T) {
	f := newAdminFixture(t)
	f.addUser(t, "admin", auth.ForceJOC, "", auth.Privileges{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})
	admin := cred{token: f.issueToken(t, "admin", auth.TokenScope{Roles: []auth.Role{auth.RoleAdministrator}, Sectors: auth.AllSectors()})}
	f.addUser(t, "target", auth.ForceArmy, "", auth.Privileges{})
	for _, tc := range []struct {
		name, method, path, body, mention string
	}{
		{"empty body", "POST", "/api/v1/users", "", "body: empty"},
		{"no name", "POST", "/api/v1/users", `{"force":"army"}`, "name: required"},
		{"bad name", "POST", "/api/v1/users", `{"name":"Bad Name","force":"army"}`, "name:"},
		{"no force", "POST", "/api/v1/users", `{"name":"someone"}`, "force: required"},
		{"unknown force", "POST", "/api/v1/users", `{"name":"someone","force":"navy"}`, "force:"},
		{"short password", "POST", "/api/v1/users", `{"name":"someone","force":"army","password":"short"}`, "password:"},
		{"unknown field", "POST", "/api/v1/users", `{"name":"someone","force":"army","roles":["administrator"]}`, `unknown field "roles"`},
		{"name of the wrong type", "POST", "/api/v1/users", `{"name":7,"force":"army"}`, "body.name"},
		{"bad user in the path", "POST", "/api/v1/users/X/disable", "", "user name:"},
		{"no privileges", "POST", "/api/v1/users/target/grant", `{}`, "roles, sectors, clearance"},
		{"unknown role", "POST", "/api/v1/users/target/grant", `{"roles":["king"]}`, "roles[0]"},
		{"bad sectors", "POST", "/api/v1/users/target/grant", `{"sectors":"some"}`, "sectors:"},
		{"bad sector id", "POST", "/api/v1/users/target/revoke", `{"sectors":["S 3"]}`, "sector"},
		{"unknown clearance", "POST", "/api/v1/users/target/grant", `{"clearance":"secret"}`, "clearance:"},
		{"no password", "POST", "/api/v1/users/target/password", `{}`, "password: required"},
		{"weak password", "POST", "/api/v1/users/target/password", `{"password":"target-and-more"}`, "password:"},
		{"bad request id", "POST", "/api/v1/requests/abc/approve", "", "id:"},
		{"no reason", "POST", "/api/v1/requests/1/reject", `{"reason":"  "}`, "reason: required"},
		{"other state", "GET", "/api/v1/requests?state=applied", "", "state:"},
		{"bad limit", "GET", "/api/v1/requests?limit=0", "", "limit:"},
		{"bad from", "GET", "/api/v1/audit?from=yesterday", "", "from:"},
		{"bad to", "GET", "/api/v1/audit?to=2026-13-01T00:00:00Z", "", "to:"},
		{"empty range", "GET", "/api/v1/audit?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "", "to:"},
		{"bad after", "GET", "/api/v1/audit?after=-1", "", "after:"},
		{"big limit", "GET", "/api/v1/audit?limit=100000", "", "limit:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.refused(t, admin, tc.method, tc.path, tc.body, http.StatusBadRequest, tc.mention)
		})
	}
}

// The calls of the authorisation test on the administration routes.

// adminSeq numbers the accounts the calls add.
var adminSeq atomic.Int64

// freshUser adds an operator account of the joc for one call to act on.
func (f *fixture) freshUser(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("acct-%d", adminSeq.Add(1))
	f.addUser(t, name, auth.ForceJOC, "", auth.Privileges{Roles: []auth.Role{auth.RoleOperator}})
	return name
}

// disableUser disables an account from the command line.
func (f *fixture) disableUser(t *testing.T, name string) {
	t.Helper()
	if err := f.auth.Accounts.Disable(cli(), name); err != nil {
		t.Fatal(err)
	}
}

// callAddUser adds a new account each call.
func (f *fixture) callAddUser(t *testing.T) func(who) call {
	return func(who) call {
		return call{path: "/api/v1/users", want: http.StatusCreated,
			body: fmt.Sprintf(`{"name":"new-%d","force":"army","password":"one-time secret words"}`, adminSeq.Add(1))}
	}
}

// callOnUser acts on a fresh account, prepared by prep if given.
func (f *fixture) callOnUser(t *testing.T, action, body string, want int, prep func(*testing.T, string)) func(who) call {
	return func(who) call {
		name := f.freshUser(t)
		if prep != nil {
			prep(t, name)
		}
		return call{path: "/api/v1/users/" + name + "/" + action, body: body, want: want}
	}
}

// callOnRequest acts on a fresh grant request proposed by the fixture's
// administrator, who is none of the principals of the test.
func (f *fixture) callOnRequest(t *testing.T, action, body string) func(who) call {
	return func(who) call {
		name := f.freshUser(t)
		u, err := f.db.User(context.Background(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		p := auth.PrincipalOf(u, auth.ViaToken) // as its API token signs in
		p.MustChange = false
		ctx := auth.WithPrincipal(context.Background(), p)
		r, err := f.auth.Accounts.Grant(ctx, name, auth.Privileges{Roles: []auth.Role{auth.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		return call{path: fmt.Sprintf("/api/v1/requests/%d/%s", r.ID, action), body: body, want: http.StatusOK}
	}
}
