package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"raqib/internal/auth/audit"
	"raqib/internal/store/sqlite"
	"raqib/internal/store/storetest"

	"golang.org/x/mod/sumdb/note"
)

func TestAuditConformance(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) audit.Store { return open(t) })
}

func TestAuditConformanceMemory(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) audit.Store {
		db, err := sqlite.Open(context.Background(), ":memory:", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// trail is a database holding an audit trail of 20 entries, with
// checkpoints at 8, 16 and 20, and the keys that signed them.
type trail struct {
	path      string
	db        *sqlite.DB
	log       *audit.Log
	signer    note.Signer
	verifiers note.Verifiers
	entries   []audit.Entry
}

var auditT0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

func newTrail(t testing.TB, n int) *trail {
	t.Helper()
	ctx := context.Background()
	tr := &trail{path: filepath.Join(t.TempDir(), "raqib.db")}
	db, err := sqlite.Open(ctx, tr.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr.db = db
	skey, vkey, err := audit.GenerateKey("raqib-audit-test")
	if err != nil {
		t.Fatal(err)
	}
	if tr.signer, err = audit.ParseSigner(skey); err != nil {
		t.Fatal(err)
	}
	if tr.verifiers, err = audit.Verifiers(vkey); err != nil {
		t.Fatal(err)
	}
	tick := auditT0
	clock := func() time.Time { tick = tick.Add(time.Second); return tick }
	tr.log, err = audit.New(db, tr.signer, audit.Config{CheckpointEvery: 8, Now: clock}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e, err := tr.log.Append(ctx, audit.Entry{
			Actor: fmt.Sprintf("op%d", i%3), Force: "border-guard", Action: "alert.acknowledge",
			Object: fmt.Sprintf("alert/%d", 40+i), Sector: "S06", Outcome: audit.OutcomeOK,
			Detail: []byte(fmt.Sprintf(`{"note": "seen", "n": %d}`, i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		tr.entries = append(tr.entries, e)
	}
	return tr
}

// tamper changes the database file behind the store's back, as someone
// with access to the file could: it drops the append-only triggers, then
// runs the statements.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, trig := range []string{"audit_entries_extend", "audit_entries_no_update", "audit_entries_no_delete",
		"audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
		stmts = append([]string{"DROP TRIGGER IF EXISTS " + trig}, stmts...)
	}
	stmts = append([]string{"PRAGMA ignore_check_constraints = ON"}, stmts...)
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func hexBlob(b []byte) string { return fmt.Sprintf("x'%x'", b) }

func (tr *trail) verify(t *testing.T, verifiers note.Verifiers) audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), tr.db, verifiers)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuditCleanTrailVerifies(t *testing.T) {
	tr := newTrail(t, 20)
	if _, err := tr.log.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := tr.verify(t, tr.verifiers)
	if !r.OK() || r.Entries != 20 || r.First != 1 || r.Last != 20 || r.Head != tr.entries[19].Hash ||
		r.Checkpoints != 3 || r.Unverified != 0 || r.Err() != nil {
		t.Fatalf("report %+v (%v)", r, r.Problem)
	}
	// Without verifiers the chain and the checkpoints' hashes are checked,
	// not their signatures.
	r = tr.verify(t, nil)
	if !r.OK() || r.Checkpoints != 3 || r.Unverified != 3 {
		t.Fatalf("report without verifiers %+v (%v)", r, r.Problem)
	}
	// The trail survives closing and opening the database again.
	tr.db.Close()
	db, err := sqlite.Open(context.Background(), tr.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := audit.Verify(context.Background(), db, tr.verifiers); err != nil || !r.OK() || r.Entries != 20 {
		t.Fatalf("after reopening: %+v %v", r, err)
	}
}

// TestAuditTamperingDetected changes the stored trail in every way
// someone with the file could and checks that Verify names the first
// entry or checkpoint concerned.
func TestAuditTamperingDetected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		do    func(t *testing.T, tr *trail)
		kind  audit.ProblemKind
		seq   uint64
		parts []string // the message holds each
	}{
		// Every column of an entry.
		{"seq", sqlDo("UPDATE audit_entries SET seq = 1000 WHERE seq = 7"),
			audit.Removed, 7, []string{"entry 7 missing: removed (entry 8 follows entry 6)"}},
		{"time", sqlDo("UPDATE audit_entries SET at = at + 1 WHERE seq = 7"),
			audit.Altered, 7, []string{"entry 7: altered: stored hash", "does not match its content"}},
		{"time of another type", sqlDo("UPDATE audit_entries SET at = 'yesterday' WHERE seq = 7"),
			audit.Altered, 7, []string{"entry 7: altered: time: holds text"}},
		{"actor", sqlDo("UPDATE audit_entries SET actor = 'op9' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"force", sqlDo("UPDATE audit_entries SET force = '' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"action", sqlDo("UPDATE audit_entries SET action = 'alert.dismiss' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"object", sqlDo("UPDATE audit_entries SET object = 'alert/99' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"sector", sqlDo("UPDATE audit_entries SET sector = 'S07' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"outcome", sqlDo("UPDATE audit_entries SET outcome = 'refused' WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"detail", sqlDo(`UPDATE audit_entries SET detail = '{"n":6,"note":"not seen"}' WHERE seq = 7`),
			audit.Altered, 7, []string{"entry 7: altered"}},
		{"detail rewritten to the same value", sqlDo(`UPDATE audit_entries SET detail = '{"note":"seen","n":6}' WHERE seq = 7`),
			audit.Altered, 7, []string{"entry 7: altered"}},
		{"detail as a blob", sqlDo("UPDATE audit_entries SET detail = CAST('{}' AS BLOB) WHERE seq = 7"),
			audit.Altered, 7, []string{"entry 7: altered"}},
		{"prev_hash", sqlDo("UPDATE audit_entries SET prev_hash = randomblob(32) WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"hash", sqlDo("UPDATE audit_entries SET hash = randomblob(32) WHERE seq = 7"), audit.Altered, 7, []string{"entry 7: altered"}},
		{"hash cut short", sqlDo("UPDATE audit_entries SET hash = x'00' WHERE seq = 7"),
			audit.Altered, 7, []string{"entry 7: altered: hash: holds a blob of 1 bytes"}},
		{"entry rewritten with a new hash", func(t *testing.T, tr *trail) {
			e := tr.entries[6]
			e.Actor = "op9"
			tamper(t, tr.path, fmt.Sprintf("UPDATE audit_entries SET actor = 'op9', hash = %s WHERE seq = 7", hexBlob(hashOf(e))))
		}, audit.Inserted, 8, []string{"entry 8: inserted: its previous hash", "or entry 7 was rewritten"}},
		{"chain rewritten from entry 7 on", func(t *testing.T, tr *trail) {
			prev := tr.entries[5].Hash
			var stmts []string
			for _, e := range tr.entries[6:] {
				if e.Seq == 7 {
					e.Actor = "op9"
				}
				e.PrevHash = prev
				e.Hash = audit.HashEntry(&e)
				prev = e.Hash
				stmts = append(stmts, fmt.Sprintf("UPDATE audit_entries SET actor = '%s', prev_hash = %s, hash = %s WHERE seq = %d",
					e.Actor, hexBlob(e.PrevHash[:]), hexBlob(e.Hash[:]), e.Seq))
			}
			tamper(t, tr.path, stmts...)
		}, audit.BadCheckpoint, 8, []string{"checkpoint at size 8: its hash", "is not entry 8's hash", "rewritten"}},

		// Removal.
		{"entry removed in the middle", sqlDo("DELETE FROM audit_entries WHERE seq = 10"),
			audit.Removed, 10, []string{"entry 10 missing: removed (entry 11 follows entry 9)"}},
		{"entries removed at the start", sqlDo("DELETE FROM audit_entries WHERE seq <= 2"),
			audit.Removed, 1, []string{"entries 1..2 missing: removed (the trail starts at entry 3)"}},
		{"entries removed at the end", sqlDo("DELETE FROM audit_entries WHERE seq >= 19"),
			audit.Removed, 19, []string{"entries 19..20 missing: removed (a checkpoint at size 20 was signed; the trail ends at entry 18)"}},
		{"every entry removed", sqlDo("DELETE FROM audit_entries"),
			audit.Removed, 1, []string{"entries 1..20 missing: removed (a checkpoint at size 20 was signed; the trail is empty)"}},
		{"entry removed and the rest renumbered", sqlDo("DELETE FROM audit_entries WHERE seq = 10",
			"UPDATE audit_entries SET seq = seq + 1000000 WHERE seq > 10",
			"UPDATE audit_entries SET seq = seq - 1000001 WHERE seq > 1000000"),
			audit.Removed, 10, []string{"entry 10 missing: removed (the entry now numbered 10 was sealed as entry 11"}},

		// Insertion.
		{"entry inserted at the end", func(t *testing.T, tr *trail) {
			tamper(t, tr.path, insertStmt(forged(21, audit.Hash{0xab})))
		}, audit.Inserted, 21, []string{"entry 21: inserted: its previous hash ab000000… is not entry 20's hash"}},
		{"entry inserted in the middle", func(t *testing.T, tr *trail) {
			tamper(t, tr.path, "UPDATE audit_entries SET seq = seq + 1000000 WHERE seq >= 10",
				"UPDATE audit_entries SET seq = seq - 999999 WHERE seq > 1000000",
				insertStmt(forged(10, tr.entries[8].Hash)))
		}, audit.Inserted, 10, []string{"entry 10 inserted: the entry now numbered 11 was sealed as entry 10"}},

		// Checkpoints.
		{"checkpoint signature broken", func(t *testing.T, tr *trail) {
			tamper(t, tr.path, setNote(8, flipSignature(t, tr.checkpointNote(t, 8))))
		}, audit.BadCheckpoint, 8, []string{"checkpoint at size 8: signature does not verify: invalid signature for key raqib-audit-test+"}},
		{"checkpoint signed by another key", func(t *testing.T, tr *trail) {
			text, _, _ := strings.Cut(tr.checkpointNote(t, 16), "\n\n")
			tamper(t, tr.path, setNote(16, signWith(t, otherSigner(t), text+"\n")))
		}, audit.BadCheckpoint, 16, []string{"checkpoint at size 16: signature does not verify: signed by no known key (signed by raqib-audit-forger+"}},
		{"checkpoint of a wrong hash signed by the key", func(t *testing.T, tr *trail) {
			wrong := audit.Hash{0xee}
			at := auditT0.Add(time.Hour)
			text := checkpointText(16, wrong, at)
			tamper(t, tr.path, fmt.Sprintf("UPDATE audit_checkpoints SET hash = %s, at = %d, note = '%s' WHERE size = 16",
				hexBlob(wrong[:]), at.UnixNano(), signWith(t, tr.signer, text)))
		}, audit.BadCheckpoint, 16, []string{"checkpoint at size 16: its hash ee000000… is not entry 16's hash"}},
		{"checkpoint's stored hash changed", sqlDo("UPDATE audit_checkpoints SET hash = randomblob(32) WHERE size = 8"),
			audit.BadCheckpoint, 8, []string{"checkpoint at size 8: stored fields", "differ from its signed note"}},
		{"checkpoint forged beyond the end", func(t *testing.T, tr *trail) {
			text := checkpointText(30, audit.Hash{1}, auditT0)
			tamper(t, tr.path, fmt.Sprintf("INSERT INTO audit_checkpoints (size, hash, at, note) VALUES (30, %s, %d, '%s')",
				hexBlob((&audit.Hash{1})[:]), auditT0.UnixNano(), signWith(t, otherSigner(t), text)))
		}, audit.BadCheckpoint, 30, []string{"checkpoint at size 30: signature does not verify"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTrail(t, 20)
			if _, err := tr.log.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			if r := tr.verify(t, tr.verifiers); !r.OK() {
				t.Fatalf("before tampering: %v", r.Problem)
			}
			c.do(t, tr)
			r := tr.verify(t, tr.verifiers)
			if r.OK() {
				t.Fatalf("not detected: %+v", r)
			}
			p := r.Problem
			if p.Kind != c.kind || p.Seq != c.seq {
				t.Errorf("problem %s at %d, want %s at %d: %s", p.Kind, p.Seq, c.kind, c.seq, p.Message)
			}
			for _, part := range c.parts {
				if !strings.Contains(p.Message, part) {
					t.Errorf("message %q does not say %q", p.Message, part)
				}
			}
			if r.Err() == nil {
				t.Error("Err() is nil for a damaged trail")
			}
		})
	}
}

func sqlDo(stmts ...string) func(*testing.T, *trail) {
	return func(t *testing.T, tr *trail) { tamper(t, tr.path, stmts...) }
}

func hashOf(e audit.Entry) []byte {
	h := audit.HashEntry(&e)
	return h[:]
}

// forged returns an entry numbered seq after prev, with a correct hash.
func forged(seq uint64, prev audit.Hash) audit.Entry {
	e := audit.Entry{Seq: seq, Time: auditT0, Actor: "intruder", Action: "role.grant", Object: "user/intruder",
		Outcome: audit.OutcomeOK, Detail: []byte(`{"role":"admin"}`), PrevHash: prev}
	e.Hash = audit.HashEntry(&e)
	return e
}

func insertStmt(e audit.Entry) string {
	return fmt.Sprintf(`INSERT INTO audit_entries (seq, at, actor, force, action, object, sector, outcome, detail, prev_hash, hash)
		VALUES (%d, %d, '%s', '%s', '%s', '%s', '%s', '%s', '%s', %s, %s)`, e.Seq, e.Time.UnixNano(), e.Actor, e.Force,
		e.Action, e.Object, e.Sector, e.Outcome, e.Detail, hexBlob(e.PrevHash[:]), hexBlob(e.Hash[:]))
}

func setNote(size uint64, n string) string {
	return fmt.Sprintf("UPDATE audit_checkpoints SET note = '%s' WHERE size = %d", n, size)
}

func (tr *trail) checkpointNote(t *testing.T, size uint64) string {
	t.Helper()
	var found string
	err := tr.db.AuditCheckpoints(context.Background(), func(cp audit.Checkpoint) error {
		if cp.Size == size {
			found = cp.Note
		}
		return nil
	})
	if err != nil || found == "" {
		t.Fatalf("no checkpoint at size %d: %v", size, err)
	}
	return found
}

// checkpointText writes a checkpoint's text as docs/audit.md describes it.
func checkpointText(size uint64, h audit.Hash, at time.Time) string {
	return fmt.Sprintf("raqib.audit\n%d\n%s\ntime %s\n", size, base64.StdEncoding.EncodeToString(h[:]), at.Format(time.RFC3339Nano))
}

func signWith(t *testing.T, s note.Signer, text string) string {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func otherSigner(t *testing.T) note.Signer {
	t.Helper()
	skey, _, err := audit.GenerateKey("raqib-audit-forger")
	if err != nil {
		t.Fatal(err)
	}
	s, err := audit.ParseSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flipSignature changes one bit of a note's signature.
func flipSignature(t *testing.T, msg string) string {
	t.Helper()
	i := strings.LastIndex(msg, " ")
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(msg[i+1:], "\n"))
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)-1] ^= 1
	return msg[:i+1] + base64.StdEncoding.EncodeToString(sig) + "\n"
}

// TestAuditTablesAppendOnly: the database itself refuses to change or
// remove entries and checkpoints, or to insert an entry that does not
// extend the chain.
func TestAuditTablesAppendOnly(t *testing.T) {
	tr := newTrail(t, 3)
	raw, err := sql.Open("sqlite", "file:"+tr.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{
		"UPDATE audit_entries SET actor = 'x' WHERE seq = 2",
		"DELETE FROM audit_entries WHERE seq = 3",
		insertStmt(forged(5, tr.entries[2].Hash)),
		insertStmt(forged(4, audit.Hash{1})),
		insertStmt(forged(3, tr.entries[1].Hash)),
	} {
		if _, err := raw.Exec(s); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
	if _, err := tr.log.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"UPDATE audit_checkpoints SET at = 0", "DELETE FROM audit_checkpoints"} {
		if _, err := raw.Exec(s); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
	if r := tr.verify(t, tr.verifiers); !r.OK() || r.Entries != 3 {
		t.Fatalf("after refused changes: %+v %v", r, r.Problem)
	}
}

// TestAuditExportOfTamperedTrail: an export carries the damage, and
// verifying the export names it too.
func TestAuditExportOfTamperedTrail(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, 20)
	if _, err := tr.log.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	tamper(t, tr.path, "DELETE FROM audit_entries WHERE seq >= 19")
	var buf bytes.Buffer
	if err := audit.Export(ctx, tr.db, time.Time{}, time.Time{}, &buf); err != nil {
		t.Fatal(err)
	}
	r, err := audit.VerifyExport(&buf, tr.verifiers)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.Problem.Kind != audit.Removed || r.Problem.Seq != 19 {
		t.Fatalf("export of a trail cut short: %+v %v", r, r.Problem)
	}
}

// BenchmarkAuditAppend appends one entry a loop to a file database: a
// write transaction and its fsync (synchronous=FULL).
func BenchmarkAuditAppend(b *testing.B) {
	tr := newTrail(b, 0)
	ctx := context.Background()
	e := audit.Entry{Actor: "op1", Force: "border-guard", Action: "alert.acknowledge", Object: "alert/42",
		Sector: "S06", Outcome: audit.OutcomeOK, Detail: []byte(`{"note":"seen","reason":"patrol confirmed"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.log.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditVerify verifies a trail of n entries in a file database;
// ns/entry is the figure to compare.
func BenchmarkAuditVerify(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "raqib.db")
			db, err := sqlite.Open(context.Background(), path, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			fill(b, path, n)
			b.ReportAllocs()
			for b.Loop() {
				r, err := audit.Verify(context.Background(), db, nil)
				if err != nil || !r.OK() || r.Entries != uint64(n) {
					b.Fatalf("%+v %v", r, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

// fill writes n chained entries in one transaction.
func fill(b *testing.B, path string, n int) {
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	var prev audit.Hash
	for i := range n {
		e := audit.Entry{Seq: uint64(i + 1), Time: auditT0.Add(time.Duration(i) * time.Second), Actor: "op1",
			Force: "border-guard", Action: "alert.acknowledge", Object: fmt.Sprintf("alert/%d", i), Sector: "S06",
			Outcome: audit.OutcomeOK, Detail: []byte(`{"note":"seen","reason":"patrol confirmed"}`), PrevHash: prev}
		e.Hash = audit.HashEntry(&e)
		prev = e.Hash
		if _, err := tx.Exec(`INSERT INTO audit_entries (seq, at, actor, force, action, object, sector, outcome, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, int64(e.Seq), e.Time.UnixNano(), e.Actor, e.Force, e.Action, e.Object,
			e.Sector, string(e.Outcome), string(e.Detail), e.PrevHash[:], e.Hash[:]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
