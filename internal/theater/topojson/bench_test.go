package topojson

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// worldAtlas is where npm installs the world-atlas package (see web/).
const worldAtlas = "../../../web/node_modules/world-atlas"

// BenchmarkDecode decodes a handmade topology and, when web/node_modules is
// installed, Natural Earth's countries at 1:110m and 1:10m.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct{ name, path string }{
		{"squares", filepath.Join("testdata", "squares.json")},
		{"countries-110m", filepath.Join(worldAtlas, "countries-110m.json")},
		{"countries-10m", filepath.Join(worldAtlas, "countries-10m.json")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			data, err := os.ReadFile(bc.path)
			if os.IsNotExist(err) {
				b.Skipf("%s is absent; run npm ci in web/ to benchmark it", bc.path)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
