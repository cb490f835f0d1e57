package trackfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
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

// readAll reads every record a reader gives until its first error.
func readAll[T any](next func() (T, error)) ([]T, error) {
	var out []T
	for {
		rec, err := next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// FuzzDecode feeds both readers arbitrary input, whole and in small reads:
// they never panic, agree with themselves, refuse with a coded error, and
// what they accept is written again by the Writer and read back the same.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil && len(data) > 0 {
			f.Add(data)
		}
	}
	f.Add([]byte(goodTrack + "\n" + goodAlert + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
		tracks, terr := readAll(NewTrackReader(bytes.NewReader(data), "f").Next)
		tracks2, terr2 := readAll(NewTrackReader(&smallReads{bytes.NewReader(data), 1 + len(data)%7}, "f").Next)
		alerts, aerr := readAll(NewAlertReader(bytes.NewReader(data), "f").Next)
		alerts2, aerr2 := readAll(NewAlertReader(&smallReads{bytes.NewReader(data), 1 + len(data)%5}, "f").Next)
		if !sameErr(terr, terr2) || !reflect.DeepEqual(tracks, tracks2) {
			t.Fatalf("tracks whole %v / in small reads %v", terr, terr2)
		}
		if !sameErr(aerr, aerr2) || !reflect.DeepEqual(alerts, alerts2) {
			t.Fatalf("alerts whole %v / in small reads %v", aerr, aerr2)
		}
		for _, err := range []error{terr, aerr} {
			if c := errs.CodeOf(err); err != nil && c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("error without a code: %v", err)
			}
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, r := range tracks {
			if err := w.Track(r); err != nil {
				t.Fatalf("writing an accepted track: %v", err)
			}
		}
		for _, r := range alerts {
			if err := w.Alert(r); err != nil {
				t.Fatalf("writing an accepted alert: %v", err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := readAll(NewTrackReader(bytes.NewReader(buf.Bytes()), "again").Next)
		if err != nil || !reflect.DeepEqual(back, tracks) {
			t.Fatalf("tracks read back: %v\n got %+v\nwant %+v", err, back, tracks)
		}
		backA, err := readAll(NewAlertReader(bytes.NewReader(buf.Bytes()), "again").Next)
		if err != nil || !reflect.DeepEqual(backA, alerts) {
			t.Fatalf("alerts read back: %v\n got %+v\nwant %+v", err, backA, alerts)
		}
	})
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}
