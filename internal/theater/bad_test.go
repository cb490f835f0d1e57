package theater_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

// TestBadTheaters loads the good theater with one thing broken per case
// and checks that exactly the expected problems are reported.
//
// Each directory under testdata/bad holds the broken files of one case: a
// file replaces the good file of the same name; a file named NAME.append
// is appended to the good NAME (to add a record to a long generated list).
// The file "want" lists the expected problems, one per line, each a prefix
// of a problem as printed ("file:line:col: field: message"); a line number
// written "+N" counts from the end of the good file, for appended records.
func TestBadTheaters(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			fsys, want := badCase(t, dir)
			_, err := theater.Load(fsys)
			var ve *theater.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Load: %v, want a *ValidationError", err)
			}
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("code %q, want invalid", errs.CodeOf(err))
			}
			got := make([]string, len(ve.Problems))
			for i, p := range ve.Problems {
				got[i] = p.String()
			}
			for _, w := range want {
				if !hasPrefix(got, w) {
					t.Errorf("missing problem %q", w)
				}
			}
			if len(got) != len(want) || t.Failed() {
				t.Errorf("got %d problems, want %d:\n\t%s", len(got), len(want), strings.Join(got, "\n\t"))
			}
		})
	}
}

var relLine = regexp.MustCompile(`^([^:]+):\+(\d+):`)

// badCase builds the broken theater of a case directory and reads its
// expected problems.
func badCase(t *testing.T, dir string) (fstest.MapFS, []string) {
	t.Helper()
	fsys := goodFS(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	goodLines := map[string]int{}
	var wantText []byte
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name, isAppend := strings.CutSuffix(e.Name(), ".append")
		switch {
		case e.Name() == "want":
			wantText = data
		case isAppend:
			good := fsys[name]
			if good == nil {
				t.Fatalf("%s: no good %s to append to", dir, name)
			}
			goodLines[name] = bytes.Count(good.Data, []byte("\n"))
			good.Data = append(good.Data, data...)
		default:
			fsys[name] = &fstest.MapFile{Data: data}
		}
	}
	var want []string
	for line := range strings.SplitSeq(string(wantText), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := relLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			line = m[1] + ":" + strconv.Itoa(goodLines[m[1]]+n) + ":" + line[len(m[0]):]
		}
		want = append(want, line)
	}
	if len(want) == 0 {
		t.Fatalf("%s: no want file or it is empty", dir)
	}
	return fsys, want
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
