package audit

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"raqib/internal/errs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func export(t *testing.T, s Store, from, to time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(context.Background(), s, from, to, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (go test -update to rewrite it):\n%s", name, got)
	}
}

// goldenTrail is the trail of the golden exports: 12 entries, checkpoints
// at 5, 10 and 12.
func goldenTrail(t *testing.T) (*memStore, []byte) {
	l, m, _ := newTestLog(t, 12)
	if _, err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, export(t, m, time.Time{}, time.Time{})
}

func TestExportFull(t *testing.T) {
	m, data := goldenTrail(t)
	golden(t, "export-full.ndjson", data)
	_, v := testKeys(t)
	r, err := VerifyExport(bytes.NewReader(data), v)
	if err != nil || !r.OK() || r.Entries != 12 || r.Checkpoints != 3 || r.Head != m.entries[11].Hash {
		t.Fatalf("verify export: %+v %v %v", r, r.Problem, err)
	}
	f, err := DecodeExport(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Header.From.IsZero() || !f.Header.To.IsZero() || len(f.Entries) != 12 || len(f.Checkpoints) != 3 {
		t.Fatalf("decoded %+v", f.Header)
	}
	if !reflect.DeepEqual(f.Entries, m.entries) || !reflect.DeepEqual(f.Checkpoints, m.checkpoints) {
		t.Fatal("decoded export differs from the trail")
	}
	if r := f.Verify(v); !r.OK() || r.Checkpoints != 3 {
		t.Fatalf("verify decoded: %+v", r)
	}
}

func TestExportRange(t *testing.T) {
	m, _ := goldenTrail(t)
	_, v := testKeys(t)
	from, to := m.entries[3].Time, m.entries[10].Time // entries 4..10
	data := export(t, m, from, to)
	golden(t, "export-range.ndjson", data)
	r, err := VerifyExport(bytes.NewReader(data), v)
	if err != nil || !r.OK() || r.First != 4 || r.Last != 10 || r.Checkpoints != 2 || r.Skipped != 0 {
		t.Fatalf("verify range: %+v %v %v", r, r.Problem, err)
	}
	f, err := DecodeExport(bytes.NewReader(data))
	if err != nil || !f.Header.From.Equal(from) || !f.Header.To.Equal(to) {
		t.Fatalf("header %+v %v", f.Header, err)
	}

	// Open at the end: the checkpoints beyond the last entry come too, so
	// a trail cut short shows in its export.
	data = export(t, m, from, time.Time{})
	if r, err := VerifyExport(bytes.NewReader(data), v); err != nil || !r.OK() || r.Last != 12 || r.Checkpoints != 3 {
		t.Fatalf("open range: %+v %v", r, err)
	}
	m.entries = m.entries[:11]
	data = export(t, m, from, time.Time{})
	r, err = VerifyExport(bytes.NewReader(data), v)
	if err != nil || r.OK() || r.Problem.Message != "entry 12 missing: removed (a checkpoint at size 12 was signed; the trail ends at entry 11)" {
		t.Fatalf("open range cut short: %+v %v", r.Problem, err)
	}
	// A range with no entries carries no checkpoints to misread.
	data = export(t, m, t0.Add(time.Hour), time.Time{})
	if r, err := VerifyExport(bytes.NewReader(data), v); err != nil || !r.OK() || r.Entries != 0 {
		t.Fatalf("empty open range: %+v %v", r, err)
	}
}

func TestExportTampered(t *testing.T) {
	_, data := goldenTrail(t)
	_, v := testKeys(t)
	lines := strings.SplitAfter(string(data), "\n")
	// Line 9 is entry 7 (header, 5 entries, checkpoint 5, entry 6, entry 7).
	if !strings.Contains(lines[8], `"seq":7,`) {
		t.Fatalf("line 9 is %s", lines[8])
	}
	for _, c := range []struct{ name, from, to, says string }{
		{"actor", `"actor":"op0"`, `"actor":"op2"`, "entry 7: altered"},
		{"detail value", `"n":6`, `"n":7`, "entry 7: altered"},
		{"outcome", `"outcome":"ok"`, `"outcome":"refused"`, "entry 7: altered"},
	} {
		l := append([]string(nil), lines...)
		if !strings.Contains(l[8], c.from) {
			t.Fatalf("%s: line 9 does not hold %s", c.name, c.from)
		}
		l[8] = strings.Replace(l[8], c.from, c.to, 1)
		r, err := VerifyExport(strings.NewReader(strings.Join(l, "")), v)
		if err != nil || r.OK() || !strings.Contains(r.Problem.Message, c.says) {
			t.Errorf("%s: %+v %v", c.name, r.Problem, err)
		}
	}
	// Reformatting the detail keeps its value: the export still verifies.
	l := append([]string(nil), lines...)
	l[8] = strings.Replace(l[8], `{"n":6,`, `{ "n" : 6 , `, 1)
	if r, err := VerifyExport(strings.NewReader(strings.Join(l, "")), v); err != nil || !r.OK() {
		t.Errorf("reformatted detail: %+v %v", r.Problem, err)
	}
	// Removing a line in the middle.
	l = append(append([]string(nil), lines[:8]...), lines[9:]...)
	if r, err := VerifyExport(strings.NewReader(strings.Join(l, "")), v); err != nil || r.OK() || r.Problem.Seq != 7 || r.Problem.Kind != Removed {
		t.Errorf("line removed: %+v %v", r.Problem, err)
	}
	// Duplicating one.
	l = append(append(append([]string(nil), lines[:9]...), lines[8]), lines[9:]...)
	if r, err := VerifyExport(strings.NewReader(strings.Join(l, "")), v); err != nil || r.OK() || r.Problem.Seq != 7 || r.Problem.Kind != Inserted {
		t.Errorf("line duplicated: %+v %v", r.Problem, err)
	}
}

func TestDecodeExportErrors(t *testing.T) {
	const header = `{"type":"header","format":"raqib-audit-export","version":1}` + "\n"
	const entry = `{"type":"entry","seq":1,"time":"2026-03-01T06:00:01Z","actor":"a","force":"","action":"x.y","object":"","sector":"","outcome":"ok","detail":{},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"0000000000000000000000000000000000000000000000000000000000000000"}`
	with := func(from, to string) string { return header + strings.Replace(entry, from, to, 1) + "\n" }
	cases := []struct {
		name, in string
		code     errs.Code
		says     string
	}{
		{"empty", "", errs.Invalid, "empty: no header line"},
		{"no header", entry + "\n", errs.Invalid, `line 1: type: "entry": the first line must be the header`},
		{"bad format", `{"type":"header","format":"csv","version":1}`, errs.Invalid, `line 1: format: "csv" is not "raqib-audit-export"`},
		{"bad version", `{"type":"header","format":"raqib-audit-export","version":2}`, errs.Invalid, "line 1: version: 2 is not 1"},
		{"header without format", `{"type":"header","version":1}`, errs.Invalid, "line 1: format: missing"},
		{"bad from", `{"type":"header","format":"raqib-audit-export","version":1,"from":"yesterday"}`, errs.Invalid, `line 1: from: "yesterday" is not an RFC 3339 time`},
		{"not JSON", header + "{\n", errs.Invalid, "line 2: not valid JSON"},
		{"not an object", header + "[1]\n", errs.Invalid, "line 2: not a JSON object"},
		{"null", header + "null\n", errs.Invalid, "line 2: not a JSON object"},
		{"no type", header + `{"seq":1}` + "\n", errs.Invalid, "line 2: type: missing"},
		{"unknown type", header + `{"type":"comment"}` + "\n", errs.Invalid, `line 2: type: "comment" is not entry or checkpoint`},
		{"second header", header + header, errs.Invalid, "line 2: type: a second header"},
		{"unknown field", with(`"seq":1`, `"seq":1,"extra":true`), errs.Invalid, `line 2: extra: not a field of entry lines`},
		{"missing field", with(`"force":"",`, ``), errs.Invalid, "line 2: force: missing"},
		{"negative seq", with(`"seq":1`, `"seq":-1`), errs.Invalid, "line 2: seq: -1 is not an unsigned integer"},
		{"seq as text", with(`"seq":1`, `"seq":"1"`), errs.Invalid, `line 2: seq: "1" is not an unsigned integer`},
		{"actor not text", with(`"actor":"a"`, `"actor":7`), errs.Invalid, "line 2: actor: not a string"},
		{"bad time", with(`2026-03-01T06:00:01Z`, `06:00`), errs.Invalid, `line 2: time: "06:00" is not an RFC 3339 time`},
		{"time out of range", with(`2026-03-01T06:00:01Z`, `9999-03-01T06:00:01Z`), errs.Invalid, "line 2: time: \"9999-03-01T06:00:01Z\" is out of range"},
		{"short hash", with(`"hash":"00`, `"hash":"`), errs.Invalid, "line 2: hash: 62 characters, want 64 hex digits"},
		{"hash not hex", with(`"prev_hash":"00`, `"prev_hash":"zz`), errs.Invalid, "line 2: prev_hash: not hex"},
		{"detail not an object", with(`"detail":{}`, `"detail":[]`), errs.Invalid, "line 2: detail: not a JSON object"},
		{"detail missing", with(`"detail":{},`, ``), errs.Invalid, "line 2: detail: missing"},
		{"blank lines counted", header + "\n\n" + `{"type":"checkpoint","size":1}` + "\n", errs.Invalid, "line 4: hash: missing"},
		{"long line", header + `{"type":"entry","actor":"` + strings.Repeat("a", MaxExportLine) + `"}` + "\n", errs.TooLarge, "line 2: longer than 65536 bytes"},
	}
	for _, c := range cases {
		_, err := DecodeExport(strings.NewReader(c.in))
		if errs.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want %s saying %q", c.name, err, c.code, c.says)
		}
		if _, verr := VerifyExport(strings.NewReader(c.in), nil); fmt.Sprint(verr) != fmt.Sprint(err) {
			t.Errorf("%s: VerifyExport says %v, DecodeExport %v", c.name, verr, err)
		}
	}
	if f, err := DecodeExport(strings.NewReader(header + entry + "\r\n\n")); err != nil || len(f.Entries) != 1 {
		t.Errorf("CRLF and a trailing blank line: %v", err)
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errs.E(errs.Unavailable, "disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestExportErrors(t *testing.T) {
	_, m, _ := newTestLog(t, 300)
	if err := Export(context.Background(), m, time.Time{}, time.Time{}, &failingWriter{n: 1000}); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("write error: %v", err)
	}
	m.entries[3].Detail = []byte(`{"a":`)
	err := Export(context.Background(), m, time.Time{}, time.Time{}, &bytes.Buffer{})
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "entry 4: detail is not JSON") {
		t.Fatalf("damaged detail: %v", err)
	}
}
