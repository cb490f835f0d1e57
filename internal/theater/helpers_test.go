package theater_test

import (
	"flag"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"

	"raqib/internal/theater"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// embeddedFiles reads the embedded theater once.
var embeddedFiles = sync.OnceValues(func() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(theater.Embedded(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(theater.Embedded(), path)
		files[path] = data
		return err
	})
	return files, err
})

// goodFS returns a fresh in-memory copy of the embedded theater, to break.
func goodFS(tb testing.TB) fstest.MapFS {
	tb.Helper()
	files, err := embeddedFiles()
	if err != nil {
		tb.Fatalf("read embedded theater: %v", err)
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: append([]byte(nil), data...)}
	}
	return m
}

// loadEmbedded loads the embedded theater once for all tests.
var loadEmbedded = sync.OnceValues(func() (*theater.Theater, error) {
	return theater.Load(theater.Embedded())
})

func embeddedTheater(tb testing.TB) *theater.Theater {
	tb.Helper()
	t, err := loadEmbedded()
	if err != nil {
		tb.Fatalf("load embedded theater: %v", err)
	}
	return t
}
