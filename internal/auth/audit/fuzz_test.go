package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"

	"raqib/internal/errs"
)

// smallReads hands out at most n bytes a read, to exercise partial lines.
type smallReads struct {
	r io.Reader
	n int
}

func (s *smallReads) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

func sameErr(a, b error) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Error() == b.Error())
}

// FuzzDecodeExport feeds the export decoder arbitrary input, whole and in
// small reads: it never panics, agrees with itself, refuses with a coded
// error naming the line, and what it accepts is written again and read
// back the same. Verifying what it accepts never panics either.
func FuzzDecodeExport(f *testing.F) {
	readSeeds(f, "testdata/*.ndjson")
	f.Add([]byte(`{"type":"header","format":"raqib-audit-export","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, err := DecodeExport(bytes.NewReader(data))
		pieces, err2 := DecodeExport(&smallReads{bytes.NewReader(data), 1 + len(data)%7})
		if !sameErr(err, err2) || !reflect.DeepEqual(whole, pieces) {
			t.Fatalf("whole: %v; in small reads: %v", err, err2)
		}
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		var buf []byte
		buf = append(appendHeaderLine(buf, whole.Header), '\n')
		for i := range whole.Entries {
			line, err := appendEntryLine(nil, &whole.Entries[i])
			if err != nil {
				t.Fatalf("writing an accepted entry: %v", err)
			}
			buf = append(append(buf, line...), '\n')
		}
		for i := range whole.Checkpoints {
			buf = append(append(buf, appendCheckpointLine(nil, &whole.Checkpoints[i])...), '\n')
		}
		again, err := DecodeExport(bytes.NewReader(buf))
		if err != nil {
			t.Fatalf("reading what was written: %v\n%s", err, buf)
		}
		if !reflect.DeepEqual(again.Entries, whole.Entries) || !reflect.DeepEqual(again.Checkpoints, whole.Checkpoints) ||
			!again.Header.From.Equal(whole.Header.From) || !again.Header.To.Equal(whole.Header.To) {
			t.Fatalf("round trip differs:\n%s", buf)
		}
		// The streaming verifier wants each checkpoint after its entry; the
		// one in memory takes them in any order. They agree on what passes.
		_, v := testKeys(t)
		r := whole.Verify(v)
		rs, err := VerifyExport(bytes.NewReader(data), v)
		if err != nil || (rs.OK() && !reflect.DeepEqual(r, rs)) {
			t.Fatalf("streaming verification %+v %v, in memory %+v", rs, err, r)
		}
	})
}

// FuzzDecodeDetail: canonicalization either refuses with a coded error or
// returns valid JSON holding the same value, which it returns unchanged
// when given again.
func FuzzDecodeDetail(f *testing.F) {
	readSeeds(f, "testdata/detail/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := CanonicalDetail(data)
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if !json.Valid(out) || len(out) > MaxDetail {
			t.Fatalf("canonical form %q of %q", out, data)
		}
		again, err := CanonicalDetail(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q → %q (%v)", out, again, err)
		}
		if len(bytes.Trim(data, jsonSpace)) == 0 {
			return
		}
		var a, b any
		da, db := json.NewDecoder(bytes.NewReader(data)), json.NewDecoder(bytes.NewReader(out))
		da.UseNumber()
		db.UseNumber()
		if da.Decode(&a) != nil || db.Decode(&b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %q → %q", data, out)
		}
	})
}

// FuzzDecodeCheckpoint: a checkpoint text parses only if it is written
// exactly as checkpointText writes it.
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add([]byte(checkpointText(DefaultOrigin, 256, Hash{1, 2, 3}, t0)))
	f.Add([]byte("raqib.audit\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntime 2026-03-01T06:00:00.5Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCheckpointText(string(data))
		if err != nil {
			return
		}
		if got := checkpointText(c.origin, c.size, c.hash, c.time); got != string(data) {
			t.Fatalf("parsed %q, written back %q", data, got)
		}
	})
}
