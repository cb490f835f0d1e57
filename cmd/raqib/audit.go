package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"raqib/internal/auth/audit"

	"golang.org/x/mod/sumdb/note"
)

const auditUsage = `Usage:
  raqib audit verify [--data DIR] [--key VERIFIER.key ...] [EXPORT.ndjson]
  raqib audit export [--data DIR] [--from TIME] [--to TIME] [--out FILE]

verify recomputes the audit trail's hash chain, in the server's database or in an
exported file, checks every signed checkpoint, and names the first entry that was
altered, removed or inserted; it exits with status 1 when the trail is broken.
export writes the entries between two times (RFC 3339; either may be left open) and
the checkpoints as NDJSON (docs/audit.md).

`

// auditKeyFiles are the signer and verifier key files kept in the data
// directory when no signer key file is configured.
func auditKeyFiles(dataDir string) (signer, verifier string) {
	dir := filepath.Join(dataDir, "audit")
	return filepath.Join(dir, "signer.key"), filepath.Join(dir, "verifier.key")
}

// openAuditSigner loads the audit trail's signer key: the configured file,
// or the data directory's, generated with its verifier key the first time.
func openAuditSigner(c Config, logger *slog.Logger) (note.Signer, error) {
	if c.AuditKey != "" {
		return audit.LoadSigner(c.AuditKey)
	}
	skeyFile, vkeyFile := auditKeyFiles(c.DataDir)
	if _, err := os.Stat(skeyFile); err == nil {
		return audit.LoadSigner(skeyFile)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit signer key: %w", err)
	}
	host, _ := os.Hostname()
	name := "raqib-audit"
	if host = strings.Map(func(r rune) rune {
		if r == '+' || r <= ' ' {
			return -1
		}
		return r
	}, host); host != "" {
		name += "-" + host
	}
	skey, vkey, err := audit.GenerateKey(name)
	if err != nil {
		return nil, err
	}
	if err := writeFileMode(skeyFile, []byte(skey+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("audit signer key: %w", err)
	}
	if err := writeFileMode(vkeyFile, []byte(vkey+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	logger.Warn("audit signing key generated: keep a copy of the verifier key away from this machine",
		"signer", skeyFile, "verifier", vkeyFile, "key", vkey)
	return audit.ParseSigner(skey)
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return errUsage
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], stdout, stderr)
	case "export":
		return runAuditExport(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, auditUsage)
		return nil
	}
	fmt.Fprint(stderr, auditUsage)
	return fmt.Errorf("audit: unknown command %q: %w", args[0], errUsage)
}

// keyList collects repeated --key flags.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(os.Getenv, "RAQIB_DATA_DIR", DefaultConfig().DataDir), "the server's data `directory`")
	dbURL := fs.String("db", os.Getenv("RAQIB_DB"), "the server's PostgreSQL `URL`; empty: SQLite in the data directory (RAQIB_DB)")
	var keys keyList
	fs.Var(&keys, "key", "a verifier key `file` to check checkpoint signatures with (repeatable; default: the data directory's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("audit verify: one export file at most, got %d: %w", fs.NArg(), errUsage)
	}
	if len(keys) == 0 {
		_, vkeyFile := auditKeyFiles(*data)
		if _, err := os.Stat(vkeyFile); err != nil {
			return fmt.Errorf("audit verify: no --key given and %s: %w", vkeyFile, err)
		}
		keys = append(keys, vkeyFile)
	}
	vkeys := make([]string, 0, len(keys))
	for _, path := range keys {
		v, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--key: %w", err)
		}
		vkeys = append(vkeys, string(v))
	}
	verifiers, err := audit.Verifiers(vkeys...)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}

	var (
		rep    audit.Report
		source string
	)
	if fs.NArg() == 1 {
		source = fs.Arg(0)
		f, err := os.Open(source)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		defer f.Close()
		if rep, err = audit.VerifyExport(f, verifiers); err != nil {
			return fmt.Errorf("audit verify %s: %w", source, err)
		}
	} else {
		source = filepath.Join(*data, sqliteFile)
		if *dbURL != "" {
			source = "in PostgreSQL"
		}
		db, err := openStore(ctx, *dbURL, *data, false, nil)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		defer db.Close()
		if rep, err = audit.Verify(ctx, db, verifiers); err != nil {
			return fmt.Errorf("audit verify %s: %w", source, err)
		}
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "audit trail %s: BROKEN: %s\n", source, rep.Problem.Message)
		return fmt.Errorf("audit trail broken: %s", rep.Problem.Message)
	}
	fmt.Fprintf(stdout, "audit trail %s: intact: %s (%d to %d), %s verified",
		source, plural(int(rep.Entries), "entry", "entries"), rep.First, rep.Last,
		plural(rep.Checkpoints-rep.Unverified, "signed checkpoint", "signed checkpoints"))
	if rep.Skipped > 0 {
		fmt.Fprintf(stdout, ", %d before the export's first entry not checkable", rep.Skipped)
	}
	fmt.Fprintln(stdout)
	return nil
}

func runAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(os.Getenv, "RAQIB_DATA_DIR", DefaultConfig().DataDir), "the server's data `directory`")
	dbURL := fs.String("db", os.Getenv("RAQIB_DB"), "the server's PostgreSQL `URL`; empty: SQLite in the data directory (RAQIB_DB)")
	fromS := fs.String("from", "", "first `time` (RFC 3339); empty: from the start")
	toS := fs.String("to", "", "last `time` (RFC 3339); empty: to the end")
	out := fs.String("out", "-", "output `file`; - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit export: unexpected argument %q: %w", fs.Arg(0), errUsage)
	}
	var from, to time.Time
	var problems []error
	for _, p := range []struct {
		flag string
		s    string
		t    *time.Time
	}{{"from", *fromS, &from}, {"to", *toS, &to}} {
		if p.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.s)
		if err != nil {
			problems = append(problems, fmt.Errorf("--%s %q: not an RFC 3339 time (e.g. 2026-03-01T02:00:00Z)", p.flag, p.s))
			continue
		}
		*p.t = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		problems = append(problems, fmt.Errorf("--to %s is before --from %s", *toS, *fromS))
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	db, err := openStore(ctx, *dbURL, *data, false, nil)
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	defer db.Close()
	if *out == "-" {
		return audit.Export(ctx, db, from, to, stdout)
	}
	err = writeFileWith(*out, 0o600, func(w io.Writer) error { return audit.Export(ctx, db, from, to, w) })
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return nil
}

// plural is "1 entry" or "n entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
