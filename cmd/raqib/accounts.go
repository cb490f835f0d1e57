package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"raqib/internal/auth"
	"raqib/internal/errs"
)

// osUser names whoever runs the command, for the audit trail.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// cliContext carries the principal of the raqib command run on the server.
func cliContext(ctx context.Context) context.Context {
	return auth.WithPrincipal(ctx, auth.CLIPrincipal(osUser()))
}

// bootstrap creates the first administrator on an empty database and
// prints its one-time password, once.
func (m *Main) bootstrap(ctx context.Context) error {
	cli := cliContext(ctx)
	users, err := m.auth.Accounts.Users(cli)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if len(users) > 0 {
		return nil
	}
	_, password, err := m.auth.Accounts.Bootstrap(cli, "admin")
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if m.Demo {
		return nil // the demo gives admin a password of its own and prints it
	}
	fmt.Fprintf(m.Stdout, "\nFirst start: the administrator \"admin\" was created with the one-time password\n\n    %s\n\n"+
		"It is shown only now and must be changed at the first sign-in. Add accounts with \"raqib user add\".\n\n", password)
	return nil
}

// demoAccount is an account the demo sets up, one for each role.
type demoAccount struct {
	name, display string
	force         auth.Force
	role          auth.Role
	sectors       []string // nil: every sector
	restricted    bool
}

// demoAccounts cover every role and the forces of the Anbar sectors the
// demo scenarios play in, and the Peshmerga's sector at Fishkhabour.
var demoAccounts = []demoAccount{
	{"operator", "Night-shift operator, army, Anbar", auth.ForceArmy, auth.RoleOperator, []string{"S04", "S06"}, false},
	{"pmf-operator", "Operator, PMF, Anbar", auth.ForcePMF, auth.RoleOperator, []string{"S05", "S07"}, false},
	{"peshmerga", "Operator, Peshmerga, Fishkhabour", auth.ForcePeshmerga, auth.RoleOperator, []string{"S16"}, false},
	{"supervisor", "Sector supervisor, army, Anbar", auth.ForceArmy, auth.RoleSupervisor, []string{"S04", "S06", "S08"}, false},
	{"commander", "Commander, Joint Operations Command", auth.ForceJOC, auth.RoleCommander, nil, true},
	{"analyst", "Intelligence analyst, JOC", auth.ForceJOC, auth.RoleAnalyst, nil, true},
	{"admin", "Administrator", auth.ForceJOC, auth.RoleAdministrator, nil, false},
}

// randomPassword is a fresh random password of 16 URL-safe characters:
// one-time passwords and the demo accounts' passwords.
func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// setupDemoAccounts gives every demo account a fresh password, ready to
// sign in with (no change required), and prints them; it issues the
// simulator's ingest token and returns it.
func (m *Main) setupDemoAccounts(ctx context.Context, w io.Writer) (string, error) {
	cli := cliContext(ctx)
	acc := m.auth.Accounts
	fmt.Fprintf(w, "Demo accounts (new passwords at every demo start):\n")
	for _, d := range demoAccounts {
		temp, err := randomPassword()
		if err != nil {
			return "", err
		}
		final, err := randomPassword()
		if err != nil {
			return "", err
		}
		u, err := acc.User(cli, d.name)
		switch {
		case errs.Is(err, errs.NotFound):
			if u, err = acc.AddUser(cli, auth.NewUser{Name: d.name, DisplayName: d.display, Force: d.force, Password: temp}); err != nil {
				return "", fmt.Errorf("demo account %s: %w", d.name, err)
			}
		case err != nil:
			return "", fmt.Errorf("demo account %s: %w", d.name, err)
		default:
			if u.Force != d.force {
				return "", fmt.Errorf("demo account %s: exists with force %s, not %s; use another data directory", d.name, u.Force, d.force)
			}
			if u.Disabled {
				if _, err := acc.Enable(cli, d.name); err != nil {
					return "", fmt.Errorf("demo account %s: %w", d.name, err)
				}
			}
			if err := acc.SetPassword(cli, d.name, temp); err != nil {
				return "", fmt.Errorf("demo account %s: %w", d.name, err)
			}
		}
		priv := auth.Privileges{Roles: []auth.Role{d.role}, Sectors: auth.AllSectors()}
		if d.sectors != nil {
			if priv.Sectors, err = auth.SectorList(d.sectors...); err != nil {
				return "", err
			}
		}
		if d.restricted {
			priv.Clearance = auth.ClearanceRestricted
		}
		if err := acc.GrantAsSystem(cli, d.name, priv); err != nil {
			return "", fmt.Errorf("demo account %s: %w", d.name, err)
		}
		// The account signs in and changes its one-time password, as its
		// holder would the first time, then signs out.
		if err := m.firstSignIn(ctx, d.name, temp, final); err != nil {
			return "", fmt.Errorf("demo account %s: %w", d.name, err)
		}
		where := "every sector"
		if d.sectors != nil {
			where = strings.Join(d.sectors, ", ")
		}
		fmt.Fprintf(w, "  %-13s %-17s %-14s %-13s %s\n", d.name, final, d.role, d.force, where)
	}
	return m.simulatorToken(cli)
}

// firstSignIn signs name in with its one-time password, changes it to
// final and signs out.
func (m *Main) firstSignIn(ctx context.Context, name, temp, final string) error {
	const from = "127.0.0.1:0"
	u, err := m.auth.Accounts.Authenticate(ctx, name, temp, from)
	if err != nil {
		return err
	}
	cookie, _, err := m.auth.Sessions.Create(ctx, u, from)
	if err != nil {
		return err
	}
	p, sess, err := m.auth.Sessions.Authenticate(ctx, cookie)
	if err != nil {
		return err
	}
	self := auth.WithPrincipal(ctx, p)
	if err := m.auth.Accounts.ChangePassword(self, temp, final); err != nil {
		return err
	}
	return m.auth.Sessions.Revoke(self, sess.ID)
}

// simulatorToken issues a day's ingest token to the demo's simulator,
// which speaks for every camera and patrol as a sensor gateway would.
func (m *Main) simulatorToken(cli context.Context) (string, error) {
	const name = "sim-gateway"
	acc := m.auth.Accounts
	if _, err := acc.User(cli, name); errs.Is(err, errs.NotFound) {
		if _, err := acc.AddUser(cli, auth.NewUser{Name: name, DisplayName: "Simulated sensor gateway", Force: auth.ForceJOC}); err != nil {
			return "", fmt.Errorf("simulator account: %w", err)
		}
		if err := acc.GrantAsSystem(cli, name, auth.Privileges{Roles: []auth.Role{auth.RoleSensor}, Sectors: auth.AllSectors()}); err != nil {
			return "", fmt.Errorf("simulator account: %w", err)
		}
	} else if err != nil {
		return "", fmt.Errorf("simulator account: %w", err)
	}
	token, _, err := m.auth.Tokens.Issue(cli, name, "demo simulator", auth.TokenScope{Roles: []auth.Role{auth.RoleSensor}, Sectors: auth.AllSectors()}, 24*time.Hour)
	if err != nil {
		return "", fmt.Errorf("simulator token: %w", err)
	}
	return token, nil
}
