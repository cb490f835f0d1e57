package theater

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"raqib/internal/geo"
)

// fuzzFiles are the files FuzzLoad replaces, chosen by the input's first
// argument.
var fuzzFiles = []string{
	"theater.yaml", "sectors.yaml", "crossings.yaml", "zones.yaml", "barriers.yaml",
	"posts.yaml", "bases.yaml", "cameras.yaml", "facilities.yaml", "border.geojson",
}

// fuzzFS is the smallest valid theater made from the embedded one: its
// border and sectors, the first camera of each sector (none is on a post)
// and empty lists for the other layers, so that each run of the fuzzer
// parses little besides its input.
func fuzzFS(tb testing.TB) fstest.MapFS {
	tb.Helper()
	m := embeddedFS(tb)
	var kept bytes.Buffer
	seen := map[string]bool{}
	for line := range strings.SplitAfterSeq(string(m[specCameras.file].Data), "\n") {
		_, rest, ok := strings.Cut(line, "sector: ")
		sector, _, _ := strings.Cut(rest, ",")
		if !ok || !seen[sector] {
			seen[sector] = true
			kept.WriteString(line)
		}
	}
	m[specCameras.file].Data = kept.Bytes()
	for _, s := range []listSpec{specPosts, specCrossings, specZones, specBarriers, specBases, specFacilities} {
		m[s.file].Data = []byte(s.key + ": []\n")
	}
	return m
}

// embeddedFS copies the embedded theater into memory.
func embeddedFS(tb testing.TB) fstest.MapFS {
	tb.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(Embedded(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Embedded(), path)
		m[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// memoIndex builds each distinct border's index once: building it costs
// more than the rest of a load, and the fuzzer mostly varies other files.
func memoIndex() indexFunc {
	var mu sync.Mutex
	var lastPts []geo.LatLon
	var last *geo.LineIndex
	return func(pts []geo.LatLon) (*geo.LineIndex, error) {
		mu.Lock()
		defer mu.Unlock()
		if last != nil && slices.Equal(pts, lastPts) {
			return last, nil
		}
		ix, err := geo.NewLineIndex(pts)
		if err == nil {
			last, lastPts = ix, slices.Clone(pts)
		}
		return ix, err
	}
}

// FuzzLoad feeds arbitrary bytes as one file of an otherwise good theater:
// loading must never panic, and must give either a theater or problems,
// each naming its file.
func FuzzLoad(f *testing.F) {
	base, full := fuzzFS(f), embeddedFS(f)
	index := memoIndex()
	if c := newCollector(); load(c, base, index) == nil || len(c.list) > 0 {
		f.Fatalf("the reduced theater does not load: %v", c.list)
	}
	for i, name := range fuzzFiles {
		f.Add(uint8(i), base[name].Data)
		if name != specCameras.file {
			f.Add(uint8(i), full[name].Data)
		}
	}
	cases, _ := filepath.Glob(filepath.Join("testdata", "bad", "*", "*"))
	for _, path := range cases {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if i := slices.Index(fuzzFiles, filepath.Base(path)); i >= 0 {
			f.Add(uint8(i), data)
		}
	}
	f.Add(uint8(1), []byte("sectors: [{id: S01, from_km: .nan, to_km: .inf}]"))
	f.Add(uint8(7), []byte("cameras:\n  - &a {id: C1}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fsys := fstest.MapFS{}
		for name, file := range base {
			fsys[name] = file
		}
		fsys[fuzzFiles[int(which)%len(fuzzFiles)]] = &fstest.MapFile{Data: data}
		c := newCollector()
		th := load(c, fsys, index)
		if th == nil {
			t.Fatal("load returned no theater")
		}
		for _, p := range c.list {
			if p.File == "" || p.Message == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
		}
		if len(c.list) == 0 {
			if err := th.Validate(); err != nil && !errors.As(err, new(*ValidationError)) {
				t.Fatalf("Validate after a clean load: %v", err)
			}
		}
	})
}
