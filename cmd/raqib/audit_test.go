package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raqib/internal/auth/audit"
	"raqib/internal/store/sqlite"
)

// TestAuditCommands: a trail written by the server's log verifies from the
// database and from an export; an export edited by hand is refused naming
// the entry; bad command lines are refused naming the flag.
func TestAuditCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = data
	signer, err := openAuditSigner(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	again, err := openAuditSigner(cfg, slog.New(slog.DiscardHandler))
	if err != nil || again.KeyHash() != signer.KeyHash() {
		t.Fatalf("the generated key was not kept: %v", err)
	}
	skey, _ := auditKeyFiles(data)
	if st, err := os.Stat(skey); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signer key file: %v", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(data, "raqib.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.New(db, signer, audit.Config{CheckpointEvery: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		_, err := log.Append(ctx, audit.Entry{Actor: "alice", Force: "army", Action: "alert.acknowledge",
			Object: fmt.Sprintf("alert/%d", i+1), Sector: "S05", Outcome: audit.OutcomeOK, Detail: json.RawMessage(`{"note":"seen"}`)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("verify: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "intact: 10 entries") || !strings.Contains(out.String(), "3 signed checkpoints verified") {
		t.Errorf("verify said %q", out.String())
	}
	export := filepath.Join(t.TempDir(), "audit.ndjson")
	if err := run(ctx, []string{"audit", "export", "--data", data, "--out", export}, &out, &errOut); err != nil {
		t.Fatalf("export: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", data, export}, &out, &errOut); err != nil {
		t.Fatalf("verify export: %v (%s)", err, out.String())
	}
	body, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(body, []byte(`"object":"alert/7"`), []byte(`"object":"alert/8"`), 1)
	if bytes.Equal(edited, body) {
		t.Fatal("the export does not hold alert/7 as expected")
	}
	bad := filepath.Join(t.TempDir(), "edited.ndjson")
	if err := os.WriteFile(bad, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--data", data, bad}, &out, &errOut)
	if err == nil || !strings.Contains(out.String(), "BROKEN") || !strings.Contains(err.Error(), "entry 7") {
		t.Errorf("edited export: %v, %q", err, out.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "export", "--data", data, "--from", "yesterday"}, `--from "yesterday"`},
		{[]string{"audit", "export", "--data", data, "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, "before --from"},
		{[]string{"audit", "verify", "--data", t.TempDir()}, "no --key given"},
		{[]string{"audit", "verify", "--data", data, "--key", export}, "--key"},
		{[]string{"audit", "frobnicate"}, `unknown command "frobnicate"`},
	} {
		err := run(ctx, tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
