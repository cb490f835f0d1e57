package theater_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

const golden = "testdata/theater.golden.geojson"

// TestGeoJSONGolden compares the full export with the golden file; run
// with -update to rewrite it after an intended change.
func TestGeoJSONGolden(t *testing.T) {
	got, err := embeddedTheater(t).GeoJSON(theater.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(got) {
		t.Fatal("export is not valid JSON")
	}
	if *update {
		if err := os.WriteFile(filepath.FromSlash(golden), got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.FromSlash(golden))
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("export differs from %s (run go test ./internal/theater -run GeoJSONGolden -update after an intended change)", golden)
	}
}

func TestGeoJSONDeterministic(t *testing.T) {
	th := embeddedTheater(t)
	a, err := th.GeoJSON(theater.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := th.GeoJSON(theater.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two exports differ")
	}
}

func TestFeatureCollectionLayers(t *testing.T) {
	th := embeddedTheater(t)
	fc, err := th.FeatureCollection(theater.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	ids := map[string]bool{}
	for _, f := range fc.Features {
		layer, _ := f.Properties["layer"].(string)
		if _, ok := f.Properties["id"].(string); !ok || layer == "" {
			t.Fatalf("feature %s lacks layer or id: %v", f.ID, f.Properties)
		}
		if ids[f.ID] {
			t.Errorf("feature id %s repeats", f.ID)
		}
		ids[f.ID] = true
		count[layer]++
		if f.Geometry.Type == "Polygon" {
			checkRing(t, f)
		}
	}
	want := map[theater.Layer]int{
		theater.LayerBorder: 1, theater.LayerSectors: len(th.Sectors), theater.LayerSectorLines: len(th.Sectors),
		theater.LayerZones: len(th.Zones), theater.LayerBarriers: len(th.Barriers), theater.LayerCrossings: len(th.Crossings),
		theater.LayerPosts: len(th.Posts), theater.LayerBases: len(th.Bases), theater.LayerCameras: 960,
		theater.LayerFacilities: len(th.Facilities),
	}
	for l, n := range want {
		if count[string(l)] != n {
			t.Errorf("layer %s: %d features, want %d", l, count[string(l)], n)
		}
	}
}

// checkRing checks that a polygon's ring is closed and runs
// counterclockwise, as RFC 7946 asks of exterior rings.
func checkRing(t *testing.T, f theater.Feature) {
	t.Helper()
	rings := f.Geometry.Coordinates.([][]theater.Position)
	ring := rings[0]
	if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
		t.Errorf("%s: ring of %d positions is not closed", f.ID, len(ring))
		return
	}
	var area float64
	for i := 1; i < len(ring); i++ {
		area += ring[i-1][0]*ring[i][1] - ring[i][0]*ring[i-1][1]
	}
	if area <= 0 {
		t.Errorf("%s: ring runs clockwise", f.ID)
	}
}

func TestFeatureCollectionFilter(t *testing.T) {
	th := embeddedTheater(t)
	fc, err := th.FeatureCollection(theater.Filter{Layers: []theater.Layer{theater.LayerCameras, theater.LayerCrossings}, Sectors: []string{"S06"}})
	if err != nil {
		t.Fatal(err)
	}
	var cams, crossings int
	for _, f := range fc.Features {
		switch f.Properties["layer"] {
		case "cameras":
			cams++
			if f.Properties["sector"] != "S06" {
				t.Errorf("camera %s of sector %v", f.ID, f.Properties["sector"])
			}
		case "crossings":
			crossings++
		default:
			t.Errorf("feature %s of an unselected layer", f.ID)
		}
	}
	if cams != len(th.SectorCameras("S06")) || cams == 0 {
		t.Errorf("%d cameras, want %d", cams, len(th.SectorCameras("S06")))
	}
	if crossings != 1 {
		t.Errorf("%d crossings in S06, want 1 (al-Qa'im)", crossings)
	}
}

func TestFeatureCollectionBadFilter(t *testing.T) {
	th := embeddedTheater(t)
	if _, err := th.FeatureCollection(theater.Filter{Layers: []theater.Layer{"rivers"}}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("unknown layer: %v, want invalid", err)
	}
	if _, err := th.FeatureCollection(theater.Filter{Sectors: []string{"S99"}}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown sector: %v, want not_found", err)
	}
}
