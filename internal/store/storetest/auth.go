package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// Auth checks an auth.Store. open returns a new, empty store for each
// subtest.
func Auth(t *testing.T, open func(t *testing.T) auth.Store) {
	t.Run("Users", func(t *testing.T) { authUsers(t, open(t)) })
	t.Run("UserVersions", func(t *testing.T) { authUserVersions(t, open(t)) })
	t.Run("FirstUser", func(t *testing.T) { authFirstUser(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { authSessions(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { authTokens(t, open(t)) })
	t.Run("Requests", func(t *testing.T) { authRequests(t, open(t)) })
	t.Run("RequestRace", func(t *testing.T) { authRequestRace(t, open(t)) })
}

var authT0 = time.Date(2026, 3, 1, 6, 0, 0, 123456789, time.UTC)

func authWantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: code %q (%v), want %q", what, errs.CodeOf(err), err, code)
	}
}

func authJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func authUser(name string, force auth.Force) auth.User {
	return auth.User{Name: name, DisplayName: "Capt. " + strings.ToUpper(name[:1]) + name[1:], Force: force,
		PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", Created: authT0, Updated: authT0}
}

func mustCreateUser(t *testing.T, s auth.Store, u auth.User) auth.User {
	t.Helper()
	out, err := s.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatalf("create user %s: %v", u.Name, err)
	}
	return out
}

func authUsers(t *testing.T, s auth.Store) {
	ctx := context.Background()
	alice := authUser("alice", auth.ForceArmy)
	alice.Roles = []auth.Role{auth.RoleOperator, auth.RoleSupervisor}
	alice.Sectors = auth.Sectors{IDs: []string{"S03", "S04"}}
	alice.Clearance = auth.ClearanceRestricted
	alice.MustChange = true
	alice.Login = auth.LoginState{Failures: 2, FirstFailure: authT0.Add(time.Minute),
		LockedUntil: authT0.Add(-time.Hour), LastLogin: authT0.Add(-24 * time.Hour)}
	got := mustCreateUser(t, s, alice)
	want := alice
	want.Version = 1
	if authJSON(t, got) != authJSON(t, want) || got.PasswordHash != want.PasswordHash {
		t.Fatalf("created:\n got %s\nwant %s", authJSON(t, got), authJSON(t, want))
	}
	read, err := s.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, want) {
		t.Fatalf("read:\n got %+v\nwant %+v", read, want)
	}

	joc := authUser("joc.duty", auth.ForceJOC)
	joc.Sectors = auth.AllSectors()
	joc.PasswordHash = ""
	mustCreateUser(t, s, joc)
	bob := mustCreateUser(t, s, authUser("bob", auth.ForcePeshmerga))
	if bob.Roles != nil || !bob.Sectors.Empty() || bob.Sectors.IDs != nil {
		t.Fatalf("a user without roles or sectors reads back as %+v %+v", bob.Roles, bob.Sectors)
	}

	_, err = s.CreateUser(ctx, authUser("alice", auth.ForcePMF))
	authWantCode(t, "duplicate name", err, errs.Conflict)
	_, err = s.CreateUser(ctx, authUser("zz", auth.ForceArmy))
	authWantCode(t, "short name", err, errs.Invalid)
	_, err = s.CreateUser(ctx, authUser("carol", "navy"))
	authWantCode(t, "unknown force", err, errs.Invalid)
	_, err = s.User(ctx, "nobody")
	authWantCode(t, "unknown user", err, errs.NotFound)
	if !strings.Contains(errs.MessageOf(err), "nobody") {
		t.Fatalf("not found message %q does not name the user", errs.MessageOf(err))
	}

	all, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range all {
		names = append(names, u.Name)
	}
	if strings.Join(names, " ") != "alice bob joc.duty" {
		t.Fatalf("users = %v, want alice bob joc.duty", names)
	}
	if !all[2].Sectors.All || all[2].PasswordHash != "" {
		t.Fatalf("joc.duty = %+v", all[2])
	}
}

func authUserVersions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreateUser(t, s, authUser("alice", auth.ForceArmy))
	u.Roles = []auth.Role{auth.RoleCommander}
	u.Sectors = auth.AllSectors()
	u.Disabled = true
	u.Force = auth.ForceBorderGuards
	u.Login = auth.LoginState{LockedUntil: authT0.Add(15 * time.Minute)}
	u.Updated = authT0.Add(time.Hour)
	u.Created = authT0.Add(99 * time.Hour) // not updatable
	v2, err := s.UpdateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.Version, want.Created = 2, authT0
	if !reflect.DeepEqual(v2, want) {
		t.Fatalf("updated:\n got %+v\nwant %+v", v2, want)
	}
	stale := u // still version 1
	stale.DisplayName = "lost update"
	_, err = s.UpdateUser(ctx, stale)
	authWantCode(t, "stale version", err, errs.Conflict)
	read, err := s.User(ctx, "alice")
	if err != nil || read.Version != 2 || read.DisplayName == "lost update" {
		t.Fatalf("after a stale update: %+v %v", read, err)
	}
	v2.Sectors = auth.Sectors{}
	v3, err := s.UpdateUser(ctx, v2)
	if err != nil || v3.Version != 3 || !v3.Sectors.Empty() {
		t.Fatalf("third version: %+v %v", v3, err)
	}
	ghost := authUser("ghost", auth.ForceArmy)
	ghost.Version = 1
	_, err = s.UpdateUser(ctx, ghost)
	authWantCode(t, "update of an unknown user", err, errs.NotFound)

	// Concurrent read-modify-writes: exactly one wins per version.
	var wg sync.WaitGroup
	wins := make(chan int64, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := v3
			w.DisplayName = fmt.Sprint("writer ", i)
			if out, err := s.UpdateUser(ctx, w); err == nil {
				wins <- out.Version
			} else if errs.CodeOf(err) != errs.Conflict {
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d concurrent writers of version 3 won, want 1", n)
	}
}

func authFirstUser(t *testing.T, s auth.Store) {
	ctx := context.Background()
	first, err := s.CreateFirstUser(ctx, authUser("root.admin", auth.ForceJOC))
	if err != nil || first.Version != 1 {
		t.Fatalf("first user: %+v %v", first, err)
	}
	_, err = s.CreateFirstUser(ctx, authUser("second", auth.ForceJOC))
	authWantCode(t, "second first user", err, errs.Conflict)
	if _, err := s.User(ctx, "second"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("the refused first user exists: %v", err)
	}
}

func authSessionID(n int) string { return fmt.Sprintf("%064x", n) }

func authSessions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	mustCreateUser(t, s, authUser("alice", auth.ForceArmy))
	mustCreateUser(t, s, authUser("bob", auth.ForceArmy))
	mk := func(n int, user string, created time.Time) auth.Session {
		return auth.Session{ID: authSessionID(n), User: user, CSRF: fmt.Sprint("csrf-", n), Created: created,
			LastSeen: created, Expires: created.Add(24 * time.Hour), RemoteAddr: "10.0.0.7"}
	}
	s1, s2, s3 := mk(1, "alice", authT0), mk(2, "alice", authT0.Add(time.Hour)), mk(3, "bob", authT0)
	for _, sess := range []auth.Session{s1, s2, s3} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	authWantCode(t, "duplicate session", s.CreateSession(ctx, s1), errs.Conflict)
	authWantCode(t, "session of an unknown user", s.CreateSession(ctx, mk(4, "nobody", authT0)), errs.Invalid)

	got, err := s.Session(ctx, s1.ID)
	if err != nil || !reflect.DeepEqual(got, s1) {
		t.Fatalf("session:\n got %+v %v\nwant %+v", got, err, s1)
	}
	_, err = s.Session(ctx, authSessionID(99))
	authWantCode(t, "unknown session", err, errs.NotFound)

	if err := s.TouchSession(ctx, s1.ID, authT0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, s1.ID, authT0.Add(10*time.Minute)); err != nil { // never backwards
		t.Fatal(err)
	}
	got, _ = s.Session(ctx, s1.ID)
	if !got.LastSeen.Equal(authT0.Add(30 * time.Minute)) {
		t.Fatalf("last seen = %v, want %v", got.LastSeen, authT0.Add(30*time.Minute))
	}
	authWantCode(t, "touch of an unknown session", s.TouchSession(ctx, authSessionID(99), authT0), errs.NotFound)

	list, err := s.Sessions(ctx, "alice")
	if err != nil || len(list) != 2 || list[0].ID != s2.ID || list[1].ID != s1.ID {
		t.Fatalf("alice's sessions = %+v %v, want newest first", list, err)
	}

	if err := s.RevokeSession(ctx, s1.ID, authT0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, s1.ID, authT0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Session(ctx, s1.ID)
	if !got.Revoked.Equal(authT0.Add(2 * time.Hour)) {
		t.Fatalf("revoked = %v, want the first revocation", got.Revoked)
	}
	authWantCode(t, "revoke of an unknown session", s.RevokeSession(ctx, authSessionID(99), authT0), errs.NotFound)

	n, err := s.RevokeSessions(ctx, "alice", authT0.Add(4*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("revoke alice's sessions = %d %v, want 1 (one was revoked already)", n, err)
	}
	if got, _ := s.Session(ctx, s3.ID); !got.Revoked.IsZero() {
		t.Fatalf("bob's session was revoked with alice's")
	}

	n, err = s.DeleteSessions(ctx, authT0.Add(24*time.Hour+time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("delete expired sessions = %d %v, want 2", n, err)
	}
	if list, _ := s.Sessions(ctx, "alice"); len(list) != 1 || list[0].ID != s2.ID {
		t.Fatalf("after pruning: %+v", list)
	}
}

func authTokens(t *testing.T, s auth.Store) {
	ctx := context.Background()
	mustCreateUser(t, s, authUser("alice", auth.ForceArmy))
	mustCreateUser(t, s, authUser("sensors.s03", auth.ForceArmy))
	hash := strings.Repeat("ab", 32)
	t1 := auth.APIToken{ID: "0123456789abcdef", Owner: "alice", Label: "briefing screen",
		Scope:      auth.TokenScope{Roles: []auth.Role{auth.RoleOperator}, Sectors: auth.Sectors{IDs: []string{"S03"}}, Clearance: auth.ClearanceRestricted},
		SecretHash: hash, Created: authT0, Expires: authT0.Add(90 * 24 * time.Hour)}
	t2 := auth.APIToken{ID: "fedcba9876543210", Owner: "sensors.s03", Label: "radar R1",
		Scope:      auth.TokenScope{Roles: []auth.Role{auth.RoleSensor}, Sensor: "S03-R001"},
		SecretHash: hash, Created: authT0.Add(time.Hour), Expires: authT0.Add(365 * 24 * time.Hour)}
	t3 := t1
	t3.ID, t3.Created, t3.Scope.Sectors = "00000000000000aa", authT0.Add(time.Minute), auth.AllSectors()
	for _, tok := range []auth.APIToken{t1, t2, t3} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	authWantCode(t, "duplicate token", s.CreateToken(ctx, t1), errs.Conflict)
	bad := t1
	bad.ID, bad.Owner = "1111111111111111", "nobody"
	authWantCode(t, "token of an unknown owner", s.CreateToken(ctx, bad), errs.Invalid)

	for _, want := range []auth.APIToken{t1, t2, t3} {
		got, err := s.Token(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("token:\n got %+v %v\nwant %+v", got, err, want)
		}
	}
	_, err := s.Token(ctx, "9999999999999999")
	authWantCode(t, "unknown token", err, errs.NotFound)
	list, err := s.Tokens(ctx, "alice")
	if err != nil || len(list) != 2 || list[0].ID != t3.ID || list[1].ID != t1.ID {
		t.Fatalf("alice's tokens = %+v %v, want newest first", list, err)
	}

	if err := s.TouchToken(ctx, t1.ID, authT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, t1.ID, authT0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, t1.ID, authT0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Token(ctx, t1.ID)
	if !got.LastUsed.Equal(authT0.Add(time.Hour)) || !got.Revoked.Equal(authT0.Add(2*time.Hour)) {
		t.Fatalf("after touch and revoke: last used %v, revoked %v", got.LastUsed, got.Revoked)
	}
	authWantCode(t, "revoke of an unknown token", s.RevokeToken(ctx, "9999999999999999", authT0), errs.NotFound)
	authWantCode(t, "touch of an unknown token", s.TouchToken(ctx, "9999999999999999", authT0), errs.NotFound)
}

func authRequest(by string, at time.Time) auth.Request {
	return auth.Request{Kind: auth.KindGrant, Payload: json.RawMessage(`{"user":"bob","roles":["operator"],"sectors":["S03"]}`),
		Summary: "grant bob (army): roles operator; sectors S03", ProposedBy: by, Proposed: at,
		Expires: at.Add(24 * time.Hour), State: auth.RequestPending}
}

func authRequests(t *testing.T, s auth.Store) {
	ctx := context.Background()
	r1, err := s.CreateRequest(ctx, authRequest("alice", authT0))
	if err != nil {
		t.Fatal(err)
	}
	r2in := authRequest("carol", authT0.Add(time.Minute))
	r2in.Kind, r2in.Sector = "sector.thresholds", "S03"
	r2, err := s.CreateRequest(ctx, r2in)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID <= 0 || r2.ID <= r1.ID {
		t.Fatalf("ids %d %d, want ascending", r1.ID, r2.ID)
	}
	want := authRequest("alice", authT0)
	want.ID = r1.ID
	got, err := s.Request(ctx, r1.ID)
	if err != nil || authJSON(t, got) != authJSON(t, want) || !got.Decided.IsZero() {
		t.Fatalf("request:\n got %s %v\nwant %s", authJSON(t, got), err, authJSON(t, want))
	}
	_, err = s.Request(ctx, 9999)
	authWantCode(t, "unknown request", err, errs.NotFound)
	notPending := authRequest("alice", authT0)
	notPending.State = auth.RequestApplied
	_, err = s.CreateRequest(ctx, notPending)
	authWantCode(t, "a new request that is not pending", err, errs.Invalid)

	_, err = s.DecideRequest(ctx, r1.ID, auth.RequestPending, auth.Decision{State: auth.RequestApproved, By: "alice", At: authT0})
	authWantCode(t, "approval by the proposer", err, errs.Invalid)
	approved, err := s.DecideRequest(ctx, r1.ID, auth.RequestPending,
		auth.Decision{State: auth.RequestApproved, By: "bob", At: authT0.Add(time.Hour)})
	if err != nil || approved.State != auth.RequestApproved || approved.DecidedBy != "bob" || !approved.Decided.Equal(authT0.Add(time.Hour)) {
		t.Fatalf("approved = %+v %v", approved, err)
	}
	_, err = s.DecideRequest(ctx, r1.ID, auth.RequestPending, auth.Decision{State: auth.RequestApproved, By: "dave", At: authT0})
	authWantCode(t, "second approval", err, errs.Conflict)
	applied, err := s.DecideRequest(ctx, r1.ID, auth.RequestApproved,
		auth.Decision{State: auth.RequestApplied, By: "bob", At: authT0.Add(time.Hour)})
	if err != nil || applied.State != auth.RequestApplied {
		t.Fatalf("applied = %+v %v", applied, err)
	}
	_, err = s.DecideRequest(ctx, 9999, auth.RequestPending, auth.Decision{State: auth.RequestRejected, By: "bob", At: authT0})
	authWantCode(t, "decision on an unknown request", err, errs.NotFound)
	_, err = s.DecideRequest(ctx, r2.ID, auth.RequestPending, auth.Decision{State: auth.RequestPending, By: "bob", At: authT0})
	authWantCode(t, "pending is no decision", err, errs.Invalid)
	withdrawn, err := s.DecideRequest(ctx, r2.ID, auth.RequestPending,
		auth.Decision{State: auth.RequestRejected, By: "carol", At: authT0.Add(time.Hour), Detail: "wrong sector"})
	if err != nil || withdrawn.State != auth.RequestRejected || withdrawn.Detail != "wrong sector" {
		t.Fatalf("withdrawn by its proposer = %+v %v", withdrawn, err)
	}

	r3, err := s.CreateRequest(ctx, authRequest("alice", authT0.Add(2*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Requests(ctx, auth.RequestPending, 0)
	if err != nil || len(pending) != 1 || pending[0].ID != r3.ID {
		t.Fatalf("pending = %+v %v", pending, err)
	}
	recent, err := s.Requests(ctx, "", 2)
	if err != nil || len(recent) != 2 || recent[0].ID != r3.ID || recent[1].ID != r2.ID {
		t.Fatalf("newest two = %+v %v", recent, err)
	}
	_, err = s.Requests(ctx, "maybe", 0)
	authWantCode(t, "unknown state", err, errs.Invalid)
}

// authRequestRace approves one request from many goroutines: exactly one
// wins.
func authRequestRace(t *testing.T, s auth.Store) {
	ctx := context.Background()
	r, err := s.CreateRequest(ctx, authRequest("alice", authT0))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := fmt.Sprint("approver", i)
			_, err := s.DecideRequest(ctx, r.ID, auth.RequestPending, auth.Decision{State: auth.RequestApproved, By: by, At: authT0})
			if err == nil {
				wins <- by
			} else if errs.CodeOf(err) != errs.Conflict {
				t.Errorf("%s: %v", by, err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if len(wins) != 1 {
		t.Fatalf("%d approvals won, want 1", len(wins))
	}
	got, _ := s.Request(ctx, r.ID)
	if winner := <-wins; got.DecidedBy != winner {
		t.Fatalf("decided by %q, want the winner %q", got.DecidedBy, winner)
	}
}
