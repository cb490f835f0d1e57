package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

func TestDualControlGrant(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.addUser(t, "adm.one", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "adm.two", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "cmdr", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleCommander), Sectors: auth.AllSectors()})
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{})
	one, two := f.as(t, "adm.one"), f.as(t, "adm.two")

	req, err := f.svc.Accounts.Grant(one, "alice", auth.Privileges{Roles: roles(auth.RoleOperator), Sectors: sectors("S03", "S04")})
	if err != nil {
		t.Fatal(err)
	}
	if req.State != auth.RequestPending || req.ProposedBy != "adm.one" || !req.Expires.Equal(t0.Add(24*time.Hour)) ||
		req.Summary != "grant alice (army): roles operator; sectors S03,S04" {
		t.Fatalf("request = %+v", req)
	}
	// Nothing changes before approval.
	if u, _ := f.store.User(ctx, "alice"); len(u.Roles) != 0 {
		t.Fatalf("granted before approval: %+v", u.Roles)
	}

	_, err = f.svc.Requests.Approve(one, req.ID)
	wantCode(t, "self-approval", err, errs.Forbidden)
	_, err = f.svc.Requests.Approve(f.as(t, "cmdr"), req.ID)
	wantCode(t, "approval by a commander", err, errs.Forbidden)
	_, err = f.svc.Requests.Approve(f.as(t, "alice"), req.ID)
	wantCode(t, "approval by the beneficiary without the role", err, errs.Forbidden)
	_, err = f.svc.Requests.Approve(ctx, req.ID)
	wantCode(t, "approval without a principal", err, errs.Unauthorized)

	done, err := f.svc.Requests.Approve(two, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != auth.RequestApplied || done.DecidedBy != "adm.two" {
		t.Fatalf("approved = %+v", done)
	}
	u, _ := f.store.User(ctx, "alice")
	if len(u.Roles) != 1 || u.Roles[0] != auth.RoleOperator || u.Sectors.String() != "sectors S03,S04" {
		t.Fatalf("after approval: %+v %v", u.Roles, u.Sectors)
	}
	_, err = f.svc.Requests.Approve(f.as(t, "adm.two"), req.ID)
	wantCode(t, "second approval", err, errs.Conflict)

	// Proposal and approval are audited, the refusals too.
	props := f.audit.find(auth.AuditRequestPropose)
	if len(props) != 1 || props[0].Actor != "adm.one" || props[0].Outcome != auth.OutcomeSuccess {
		t.Fatalf("proposal events = %+v", props)
	}
	var ok, denied int
	for _, e := range f.audit.find(auth.AuditRequestApprove) {
		if !strings.HasPrefix(e.Object, "request/") {
			continue // the set-up's grants from the command line
		}
		switch e.Outcome {
		case auth.OutcomeSuccess:
			ok++
			if e.Actor != "adm.two" || e.Detail["proposed_by"] != "adm.one" {
				t.Fatalf("approval event = %+v", e)
			}
		case auth.OutcomeDenied:
			denied++
		}
	}
	if ok != 1 || denied != 4 {
		t.Fatalf("approval events: %d ok, %d denied; want 1 and 4", ok, denied)
	}
	grants := 0
	for _, e := range f.audit.find(auth.AuditRoleGrant) {
		if e.Object == "user/alice" && e.Detail["request"] == fmt.Sprint(req.ID) && e.Actor == "adm.two" {
			grants++
		}
	}
	if grants != 1 {
		t.Fatal("the grant itself is not audited")
	}
}

func TestDualControlRefusals(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "adm.one", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "adm.two", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	f.addUser(t, "alice", auth.ForceArmy, alicePW, auth.Privileges{Roles: roles(auth.RoleOperator), Sectors: sectors("S03")})
	one, two, alice := f.as(t, "adm.one"), f.as(t, "adm.two"), f.as(t, "alice")

	_, err := f.svc.Accounts.Grant(alice, "alice", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	wantCode(t, "proposal by an operator", err, errs.Forbidden)
	_, err = f.svc.Accounts.Grant(one, "nobody", auth.Privileges{Roles: roles(auth.RoleOperator)})
	wantCode(t, "grant to an unknown user", err, errs.NotFound)
	_, err = f.svc.Accounts.Grant(one, "alice", auth.Privileges{})
	wantCode(t, "empty grant", err, errs.Invalid)
	_, err = f.svc.Requests.Propose(one, "launch", map[string]string{})
	wantCode(t, "unknown kind", err, errs.Invalid)
	_, err = f.svc.Requests.Propose(one, auth.KindGrant, map[string]any{"user": "alice", "roles": []string{"operator"}, "extra": 1})
	wantCode(t, "unknown payload field", err, errs.Invalid)
	_, err = f.svc.Requests.Propose(one, auth.KindGrant, map[string]string{"user": strings.Repeat("x", auth.MaxPayloadLen)})
	wantCode(t, "huge payload", err, errs.TooLarge)

	// Expiry.
	req, err := f.svc.Accounts.Grant(one, "alice", auth.Privileges{Clearance: auth.ClearanceRestricted})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	_, err = f.svc.Requests.Approve(two, req.ID)
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(errs.MessageOf(err), "expired") {
		t.Fatalf("expired request: %v", err)
	}
	if pending, err := f.svc.Requests.Pending(two, 0); err != nil || len(pending) != 0 {
		t.Fatalf("pending lists an expired request: %+v %v", pending, err)
	}

	// Rejection: by the proposer (withdrawal) or another administrator,
	// not by an operator.
	req, err = f.svc.Accounts.Grant(one, "alice", auth.Privileges{Sectors: sectors("S04")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Requests.Reject(alice, req.ID, "no")
	wantCode(t, "rejection by an operator", err, errs.Forbidden)
	if r, err := f.svc.Requests.Reject(two, req.ID, "S04 is not hers"); err != nil || r.State != auth.RequestRejected {
		t.Fatalf("reject: %+v %v", r, err)
	}
	_, err = f.svc.Requests.Approve(two, req.ID)
	wantCode(t, "approve a rejected request", err, errs.Conflict)
	req, _ = f.svc.Accounts.Grant(one, "alice", auth.Privileges{Sectors: sectors("S05")})
	if r, err := f.svc.Requests.Reject(one, req.ID, "typo"); err != nil || r.DecidedBy != "adm.one" {
		t.Fatalf("withdraw: %+v %v", r, err)
	}

	// Bypass only for the system.
	err = f.svc.Requests.ApplyAsSystem(two, auth.KindGrant, map[string]any{"user": "alice", "roles": []string{"supervisor"}})
	wantCode(t, "bypass by an administrator", err, errs.Forbidden)
}

// TestDualControlSector registers a sector-scoped kind as another service
// would: the approver must be allowed the action in the request's sector.
func TestDualControlSector(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "cmdr.a", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleCommander), Sectors: sectors("S03")})
	f.addUser(t, "cmdr.b", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleCommander), Sectors: sectors("S03", "S04")})
	f.addUser(t, "cmdr.c", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleCommander), Sectors: sectors("S04")})
	f.addUser(t, "sup", auth.ForceArmy, "", auth.Privileges{Roles: roles(auth.RoleSupervisor), Sectors: sectors("S03")})

	type thresholds struct {
		Sector   string  `json:"sector"`
		Approach float64 `json:"approach_m"`
	}
	var mu sync.Mutex
	applied := map[string]float64{}
	err := f.svc.Requests.Register("sector.thresholds", auth.Handler{
		Action: auth.ActionSectorThresholds,
		Check: func(_ context.Context, raw json.RawMessage) (string, string, error) {
			var th thresholds
			if err := json.Unmarshal(raw, &th); err != nil || th.Sector == "" || th.Approach <= 0 {
				return "", "", errs.E(errs.Invalid, "thresholds: want a sector and a positive approach_m")
			}
			return th.Sector, "approach alarm at " + th.Sector, nil
		},
		Apply: func(ctx context.Context, r auth.Request) error {
			if err := auth.Authorize(ctx, auth.ActionSectorThresholds, r.Sector); err != nil {
				return err
			}
			var th thresholds
			_ = json.Unmarshal(r.Payload, &th)
			if th.Approach > 50000 {
				return errs.E(errs.Invalid, "approach_m: beyond the sector depth")
			}
			mu.Lock()
			defer mu.Unlock()
			applied[th.Sector] = th.Approach
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "register twice", f.svc.Requests.Register("sector.thresholds", auth.Handler{
		Action: auth.ActionSectorThresholds, Check: func(context.Context, json.RawMessage) (string, string, error) { return "", "", nil },
		Apply: func(context.Context, auth.Request) error { return nil }}), errs.Conflict)

	_, err = f.svc.Requests.Propose(f.as(t, "cmdr.c"), "sector.thresholds", thresholds{"S03", 800})
	wantCode(t, "proposal outside the proposer's sectors", err, errs.Forbidden)
	_, err = f.svc.Requests.Propose(f.as(t, "sup"), "sector.thresholds", thresholds{"S03", 800})
	wantCode(t, "proposal by a supervisor", err, errs.Forbidden)

	req, err := f.svc.Requests.Propose(f.as(t, "cmdr.a"), "sector.thresholds", thresholds{"S03", 800})
	if err != nil {
		t.Fatal(err)
	}
	if req.Sector != "S03" {
		t.Fatalf("request sector %q", req.Sector)
	}
	_, err = f.svc.Requests.Approve(f.as(t, "cmdr.c"), req.ID)
	if errs.CodeOf(err) != errs.Forbidden || !strings.Contains(errs.MessageOf(err), "in sector S03") {
		t.Fatalf("approval by a commander of another sector: %v", err)
	}
	if _, err := f.svc.Requests.Approve(f.as(t, "cmdr.b"), req.ID); err != nil {
		t.Fatal(err)
	}
	if applied["S03"] != 800 {
		t.Fatalf("applied = %v", applied)
	}

	// A change that fails when applied leaves a failed request.
	req, err = f.svc.Requests.Propose(f.as(t, "cmdr.a"), "sector.thresholds", thresholds{"S03", 90000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Requests.Approve(f.as(t, "cmdr.b"), req.ID)
	wantCode(t, "failing change", err, errs.Invalid)
	got, err := f.svc.Requests.Get(f.as(t, "cmdr.b"), req.ID)
	if err != nil || got.State != auth.RequestFailed || !strings.Contains(got.Detail, "beyond") {
		t.Fatalf("failed request = %+v %v", got, err)
	}
}

// TestDualControlRace approves one request from many administrators at
// once: the change is applied once.
func TestDualControlRace(t *testing.T) {
	f := newFixture(t, nil)
	f.addUser(t, "proposer", auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	names := []string{"adm.a", "adm.b", "adm.c", "adm.d", "adm.e", "adm.f"}
	for _, n := range names {
		f.addUser(t, n, auth.ForceJOC, "", auth.Privileges{Roles: roles(auth.RoleAdministrator)})
	}
	f.addUser(t, "alice", auth.ForceArmy, "", auth.Privileges{})
	var applies int
	var mu sync.Mutex
	err := f.svc.Requests.Register("count", auth.Handler{
		Action: auth.ActionRoleGrant,
		Check:  func(context.Context, json.RawMessage) (string, string, error) { return "", "count", nil },
		Apply: func(context.Context, auth.Request) error {
			mu.Lock()
			defer mu.Unlock()
			applies++
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := f.svc.Requests.Propose(f.as(t, "proposer"), "count", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errCh := make(chan error, len(names))
	for _, n := range names {
		ctx := f.as(t, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Requests.Approve(ctx, req.ID)
			errCh <- err
		}()
	}
	wg.Wait()
	close(errCh)
	wins := 0
	for err := range errCh {
		if err == nil {
			wins++
		} else if errs.CodeOf(err) != errs.Conflict {
			t.Errorf("losing approval: %v", err)
		}
	}
	if wins != 1 || applies != 1 {
		t.Fatalf("%d approvals won, %d applies; want 1 and 1", wins, applies)
	}
}
