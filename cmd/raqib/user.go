package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"raqib/internal/auth"
	"raqib/internal/auth/audit"
	"raqib/internal/theater"
)

const userUsage = `Usage:
  raqib user add NAME --force F [--display TEXT]   add an account; prints a one-time password
  raqib user passwd NAME        reset a password; prints a one-time password
  raqib user grant NAME [--roles R,R] [--sectors S,S|all] [--clearance restricted]
                                propose privileges; a second person approves (raqib request approve)
  raqib user revoke NAME [--roles R,R] [--sectors S,S|all] [--clearance restricted]
  raqib user disable NAME | enable NAME | unlock NAME
  raqib user list
  raqib token issue --user NAME --label TEXT [--sensor ID] [--roles R,R] [--sectors S,S|all] [--ttl 720h]
  raqib token revoke ID | list [--user NAME]
  raqib request list | approve ID | reject ID --reason TEXT

Every command takes --data DIR (RAQIB_DATA_DIR), the server's data directory, and
--db URL (RAQIB_DB) when the server keeps its state in PostgreSQL; it may run
while the server does. Every change is written to the audit trail as made by "cli:<you>".
Roles: operator, supervisor, commander, analyst, sensor, administrator. Forces: army,
border_guards, pmf, reserves, peshmerga, joc.

`

// adminCLI is an open database with the account services, for the user,
// token and request commands.
type adminCLI struct {
	db   store
	auth *auth.Service
	ctx  context.Context // with the command line's principal
}

// storeLoc is where the admin commands find the database: PostgreSQL at
// db when set, else SQLite in the data directory, which also holds the
// audit signer key.
type storeLoc struct {
	data string
	db   string
}

func openAdminCLI(ctx context.Context, loc storeLoc) (*adminCLI, error) {
	return openAccountsIn(ctx, loc, false)
}

// openAccounts opens (creating if need be) the data directory's database
// with the account services, auditing into its trail.
func openAccounts(ctx context.Context, dataDir string) (*adminCLI, error) {
	return openAccountsIn(ctx, storeLoc{data: dataDir}, true)
}

func openAccountsIn(ctx context.Context, loc storeLoc, create bool) (*adminCLI, error) {
	dataDir := loc.data
	if create || loc.db != "" { // the audit signer key lives there too
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	db, err := openStore(ctx, loc.db, dataDir, create, nil)
	if err != nil {
		return nil, err
	}
	cfg := DefaultConfig()
	cfg.DataDir = dataDir
	logger := slog.New(slog.DiscardHandler)
	signer, err := openAuditSigner(cfg, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	log, err := audit.New(db, signer, audit.Config{}, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	th, err := theater.Load(theater.Embedded())
	if err != nil {
		db.Close()
		return nil, err
	}
	svc, err := auth.New(db, auditRecorder{log}, auth.Config{SectorForce: sectorForce(th)}, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &adminCLI{db: db, auth: svc, ctx: cliContext(ctx)}, nil
}

// printProposed tells what a dual-control request proposed and how it
// takes effect.
func printProposed(w io.Writer, r auth.Request) {
	fmt.Fprintf(w, "request %d proposed: %s\nIt takes effect when a second person approves it: raqib request approve %d\n", r.ID, r.Summary, r.ID)
}

// withAdmin runs one command on the data directory's accounts.
func withAdmin(ctx context.Context, data storeLoc, cmd string, run func(*adminCLI) error) error {
	a, err := openAdminCLI(ctx, data)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	defer a.db.Close()
	if err := run(a); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// adminFlags parses a command's flags, the data directory and database
// among them, and returns the positional arguments.
func adminFlags(name string, args []string, stderr io.Writer, bind func(*flag.FlagSet)) (data storeLoc, rest []string, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&data.data, "data", envOr(os.Getenv, "RAQIB_DATA_DIR", DefaultConfig().DataDir), "the server's data `directory`")
	fs.StringVar(&data.db, "db", os.Getenv("RAQIB_DB"), "the server's PostgreSQL `URL`; empty: SQLite in the data directory (RAQIB_DB)")
	if bind != nil {
		bind(fs)
	}
	// Flags may follow the positional arguments: raqib user grant alice --roles operator.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return storeLoc{}, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return data, pos, nil
}

func wantArgs(cmd string, args []string, n int, what string) error {
	if len(args) != n {
		return fmt.Errorf("%s: want %s, got %d arguments: %w", cmd, what, len(args), errUsage)
	}
	return nil
}

// privilegeFlags are the --roles, --sectors and --clearance of grant,
// revoke and token issue.
type privilegeFlags struct{ roles, sectors, clearance string }

func (p *privilegeFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&p.roles, "roles", "", "comma-separated `roles`")
	fs.StringVar(&p.sectors, "sectors", "", "comma-separated sector `ids`, or all")
	fs.StringVar(&p.clearance, "clearance", "", "restricted, or empty")
}

func (p *privilegeFlags) privileges() (auth.Privileges, error) {
	var priv auth.Privileges
	var problems []error
	for r := range strings.SplitSeq(p.roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			priv.Roles = append(priv.Roles, auth.Role(r))
		}
	}
	switch s := strings.TrimSpace(p.sectors); s {
	case "":
	case "all":
		priv.Sectors = auth.AllSectors()
	default:
		var ids []string
		for id := range strings.SplitSeq(s, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
		var err error
		if priv.Sectors, err = auth.SectorList(ids...); err != nil {
			problems = append(problems, fmt.Errorf("--sectors: %w", err))
		}
	}
	switch p.clearance {
	case "":
	case "restricted":
		priv.Clearance = auth.ClearanceRestricted
	default:
		problems = append(problems, fmt.Errorf("--clearance %q: want restricted or nothing", p.clearance))
	}
	return priv, errors.Join(problems...)
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	cmd := "user " + args[0]
	var (
		force, display string
		priv           privilegeFlags
	)
	bind := map[string]func(*flag.FlagSet){
		"add": func(fs *flag.FlagSet) {
			fs.StringVar(&force, "force", "", "the account's `force`")
			fs.StringVar(&display, "display", "", "the display `name`")
		},
		"grant":  priv.bind,
		"revoke": priv.bind,
	}[args[0]]
	data, pos, err := adminFlags(cmd, args[1:], stderr, bind)
	if err != nil {
		return err
	}
	var run func(a *adminCLI) error
	switch args[0] {
	case "add":
		if err := wantArgs(cmd, pos, 1, "NAME"); err != nil {
			return err
		}
		if force == "" {
			return fmt.Errorf("%s: --force: required (army, border_guards, pmf, reserves, peshmerga, joc): %w", cmd, errUsage)
		}
		run = func(a *adminCLI) error {
			pw, err := randomPassword()
			if err != nil {
				return err
			}
			if _, err := a.auth.Accounts.AddUser(a.ctx, auth.NewUser{Name: pos[0], DisplayName: display, Force: auth.Force(force), Password: pw}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "account %s added (%s, no roles yet); one-time password, shown only now:\n\n    %s\n\n"+
				"Grant roles with: raqib user grant %s --roles ... --sectors ...\n", pos[0], force, pw, pos[0])
			return nil
		}
	case "passwd":
		if err := wantArgs(cmd, pos, 1, "NAME"); err != nil {
			return err
		}
		run = func(a *adminCLI) error {
			pw, err := randomPassword()
			if err != nil {
				return err
			}
			if err := a.auth.Accounts.SetPassword(a.ctx, pos[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "password of %s reset; one-time password, shown only now:\n\n    %s\n\n", pos[0], pw)
			return nil
		}
	case "grant", "revoke":
		if err := wantArgs(cmd, pos, 1, "NAME"); err != nil {
			return err
		}
		p, err := priv.privileges()
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		run = func(a *adminCLI) error {
			if args[0] == "revoke" {
				u, err := a.auth.Accounts.Revoke(a.ctx, pos[0], p)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s now: roles %v, sectors %s\n", u.Name, u.Roles, u.Sectors)
				return nil
			}
			r, err := a.auth.Accounts.Grant(a.ctx, pos[0], p)
			if err != nil {
				return err
			}
			printProposed(stdout, r)
			return nil
		}
	case "disable", "enable", "unlock":
		if err := wantArgs(cmd, pos, 1, "NAME"); err != nil {
			return err
		}
		run = func(a *adminCLI) error {
			switch args[0] {
			case "disable":
				if err := a.auth.Accounts.Disable(a.ctx, pos[0]); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "account %s disabled; its sessions and tokens no longer work\n", pos[0])
			case "unlock":
				if err := a.auth.Accounts.Unlock(a.ctx, pos[0]); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "account %s unlocked\n", pos[0])
			default:
				r, err := a.auth.Accounts.Enable(a.ctx, pos[0])
				if err != nil {
					return err
				}
				printProposed(stdout, r)
			}
			return nil
		}
	case "list":
		if err := wantArgs(cmd, pos, 0, "no argument"); err != nil {
			return err
		}
		run = func(a *adminCLI) error {
			users, err := a.auth.Accounts.Users(a.ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFORCE\tROLES\tSECTORS\tSTATE")
			for _, u := range users {
				state := "active"
				switch {
				case u.Disabled:
					state = "disabled"
				case u.MustChange:
					state = "must change password"
				}
				roles := make([]string, len(u.Roles))
				for i, r := range u.Roles {
					roles[i] = string(r)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Force, strings.Join(roles, ","), u.Sectors, state)
			}
			return tw.Flush()
		}
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unknown command %q: %w", args[0], errUsage)
	}
	return withAdmin(ctx, data, cmd, run)
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	cmd := "token " + args[0]
	var (
		owner, label, sensorID string
		ttl                    time.Duration
		priv                   privilegeFlags
	)
	bind := func(fs *flag.FlagSet) {
		fs.StringVar(&owner, "user", "", "the owning account")
		if args[0] == "issue" {
			fs.StringVar(&label, "label", "", "what the token is for")
			fs.StringVar(&sensorID, "sensor", "", "make an ingest token for this one sensor `id`")
			fs.DurationVar(&ttl, "ttl", 30*24*time.Hour, "lifetime")
			priv.bind(fs)
		}
	}
	data, pos, err := adminFlags(cmd, args[1:], stderr, bind)
	if err != nil {
		return err
	}
	var run func(a *adminCLI) error
	switch args[0] {
	case "issue":
		if err := wantArgs(cmd, pos, 0, "flags only"); err != nil {
			return err
		}
		if owner == "" || strings.TrimSpace(label) == "" {
			return fmt.Errorf("%s: --user and --label: required: %w", cmd, errUsage)
		}
		p, err := priv.privileges()
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		run = func(a *adminCLI) error {
			scope := auth.TokenScope{Roles: p.Roles, Sectors: p.Sectors, Clearance: p.Clearance, Sensor: sensorID}
			if sensorID != "" {
				scope.Roles = []auth.Role{auth.RoleSensor}
			}
			tok, info, err := a.auth.Tokens.Issue(a.ctx, owner, label, scope, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "token %s for %s, valid until %s; shown only now:\n\n    %s\n\n", info.ID, owner, info.Expires.Format(time.RFC3339), tok)
			return nil
		}
	case "revoke":
		if err := wantArgs(cmd, pos, 1, "ID"); err != nil {
			return err
		}
		run = func(a *adminCLI) error {
			if err := a.auth.Tokens.Revoke(a.ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "token %s revoked\n", pos[0])
			return nil
		}
	case "list":
		run = func(a *adminCLI) error {
			list, err := a.auth.Tokens.List(a.ctx, owner)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tOWNER\tLABEL\tEXPIRES\tSTATE")
			for _, t := range list {
				state := "valid"
				if !t.Revoked.IsZero() {
					state = "revoked"
				} else if time.Now().After(t.Expires) {
					state = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Owner, t.Label, t.Expires.Format(time.RFC3339), state)
			}
			return tw.Flush()
		}
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("token: unknown command %q: %w", args[0], errUsage)
	}
	return withAdmin(ctx, data, cmd, run)
}

func runRequest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	cmd := "request " + args[0]
	var reason string
	bind := func(fs *flag.FlagSet) {
		if args[0] == "reject" {
			fs.StringVar(&reason, "reason", "", "why")
		}
	}
	data, pos, err := adminFlags(cmd, args[1:], stderr, bind)
	if err != nil {
		return err
	}
	var id int64
	if args[0] == "approve" || args[0] == "reject" {
		if err := wantArgs(cmd, pos, 1, "ID"); err != nil {
			return err
		}
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("%s: %q is not a request number: %w", cmd, pos[0], errUsage)
		}
	}
	var run func(a *adminCLI) error
	switch args[0] {
	case "list":
		run = func(a *adminCLI) error {
			list, err := a.auth.Requests.Pending(a.ctx, 100)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tPROPOSED BY\tEXPIRES\tSUMMARY")
			for _, r := range list {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.ProposedBy, r.Expires.Format(time.RFC3339), r.Summary)
			}
			return tw.Flush()
		}
	case "approve":
		run = func(a *adminCLI) error {
			r, err := a.auth.Requests.Approve(a.ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "request %d approved and applied: %s\n", r.ID, r.Summary)
			return nil
		}
	case "reject":
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("%s: --reason: required: %w", cmd, errUsage)
		}
		run = func(a *adminCLI) error {
			r, err := a.auth.Requests.Reject(a.ctx, id, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "request %d rejected: %s\n", r.ID, r.Summary)
			return nil
		}
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("request: unknown command %q: %w", args[0], errUsage)
	}
	return withAdmin(ctx, data, cmd, run)
}
