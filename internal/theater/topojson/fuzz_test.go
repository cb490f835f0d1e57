package topojson

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that Decode never panics, that it decodes an input the
// same whether read whole or in two halves, and that what it accepts is
// consistent: every arc index refers to an arc and every arc dequantizes.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Small limits, so the fuzzer reaches them.
	lim := Limits{MaxBytes: 1 << 16, MaxArcs: 64, MaxPositions: 512, MaxArcRefs: 256, MaxGeometries: 64, MaxDepth: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, errWhole := Decode(bytes.NewReader(data), lim)
		half := len(data) / 2
		halves, errHalves := Decode(io.MultiReader(bytes.NewReader(data[:half]), bytes.NewReader(data[half:])), lim)
		if (errWhole == nil) != (errHalves == nil) {
			t.Fatalf("whole read: %v; read in halves: %v", errWhole, errHalves)
		}
		if errWhole != nil {
			var te *Error
			if !errors.As(errWhole, &te) {
				t.Fatalf("error %T is not a *topojson.Error: %v", errWhole, errWhole)
			}
			if errWhole.Error() != errHalves.Error() {
				t.Fatalf("whole read: %v; read in halves: %v", errWhole, errHalves)
			}
			return
		}
		if len(whole.Arcs) != len(halves.Arcs) || len(whole.Objects) != len(halves.Objects) {
			t.Fatal("whole read and read in halves differ")
		}
		for i := range whole.Arcs {
			if _, err := whole.ArcPositions(i); err != nil {
				t.Fatalf("ArcPositions(%d): %v", i, err)
			}
		}
		for name, g := range whole.Objects {
			for _, ref := range g.ArcRefs() {
				if _, err := whole.ArcPositions(ref); err != nil {
					t.Fatalf("objects %q: %v", name, err)
				}
			}
		}
	})
}
