package borderimport

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"raqib/internal/errs"
	"raqib/internal/theater/topojson"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var testSource = Source{Package: "world-atlas", Version: "2.0.2", Licence: "ISC, Copyright 2013-2019 Michael Bostock"}

// The handmade border: four vertices from near the Jordan tripoint to near
// the Turkey tripoint, with Iraq to the south-east and Syria to the
// north-west.
var (
	b0 = [2]float64{38.77, 33.37}
	b1 = [2]float64{40.0, 34.5}
	b2 = [2]float64{41.2, 36.0}
	b3 = [2]float64{42.36, 37.11}
)

// fixture returns the handmade countries as the parts of a topology.
type fixture struct {
	arcs        [][][2]float64
	iraq, syria any // a Polygon's or MultiPolygon's arcs
	iraqType    string
	syriaID     string
}

// splitBorder stores the border as three arcs in mixed directions.
func splitBorder() fixture {
	return fixture{
		arcs: [][][2]float64{
			{b1, b0},
			{b1, b2},
			{b3, b2},
			{b3, {44, 37}, {44, 32}, {38.77, 32}, b0},
			{b0, {36, 33}, {36, 37.2}, b3},
		},
		iraq:  [][]int{{^0, 1, ^2, 3}},
		syria: [][]int{{2, ^1, 0, 4}},
	}
}

func (f fixture) topology(t *testing.T) *topojson.Topology {
	t.Helper()
	iraqType, syriaID := "Polygon", "760"
	if f.iraqType != "" {
		iraqType = f.iraqType
	}
	if f.syriaID != "" {
		syriaID = f.syriaID
	}
	doc := map[string]any{
		"type": "Topology",
		"arcs": f.arcs,
		"objects": map[string]any{
			"countries": map[string]any{
				"type": "GeometryCollection",
				"geometries": []any{
					map[string]any{"type": iraqType, "id": "368", "properties": map[string]any{"name": "Iraq"}, "arcs": f.iraq},
					map[string]any{"type": "Polygon", "id": syriaID, "properties": map[string]any{"name": "Syria"}, "arcs": f.syria},
				},
			},
		},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topojson.Decode(bytes.NewReader(data), topojson.Limits{})
	if err != nil {
		t.Fatalf("decoding the fixture: %v", err)
	}
	return topo
}

func TestImportGolden(t *testing.T) {
	golden := filepath.Join("testdata", "split.golden")
	got, err := Import(splitBorder().topology(t), testSource)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended):\n%s", golden, got)
	}

	// The same border stored differently gives the same bytes.
	flipped := splitBorder()
	for k := range 3 {
		flipped.arcs[k] = reversed(flipped.arcs[k])
	}
	flipped.iraq = [][]int{{0, ^1, 2, 3}}
	flipped.syria = [][]int{{^2, 1, ^0, 4}}

	multi := splitBorder()
	multi.iraqType = "MultiPolygon"
	multi.arcs = append(multi.arcs, [][2]float64{{45, 30}, {46, 30}, {46, 29}, {45, 30}})
	multi.iraq = [][][]int{{{5}}, {{3, ^0, 1, ^2}}}
	multi.syria = [][]int{{0, 4, 2, ^1}}

	for name, f := range map[string]fixture{"flipped": flipped, "multipolygon": multi} {
		got, err := Import(f.topology(t), testSource)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: output differs from %s:\n%s", name, golden, got)
		}
	}
}

func TestImportErrors(t *testing.T) {
	noShared := splitBorder()
	noShared.syria = [][]int{{4}}

	gap := splitBorder()
	gap.syria = [][]int{{2, 0, 4}}

	shifted := splitBorder()
	for _, arc := range shifted.arcs {
		for k := range arc {
			arc[k][0]++
		}
	}

	ring := splitBorder()
	ring.arcs = append(ring.arcs, [][2]float64{{39.5, 34.5}, {40.5, 34.5}, {40.5, 35.5}, {39.5, 35.5}, {39.5, 34.5}})
	ring.iraq = [][]int{{5}}
	ring.syria = [][]int{{4}, {^5}}

	sameSide := splitBorder()
	sameSide.arcs = append(sameSide.arcs, [][2]float64{b3, {43, 37}, {43, 33}, b0})
	sameSide.syria = [][]int{{^0, 1, ^2, 5}}

	line := splitBorder()
	line.iraqType = "LineString"
	line.iraq = []int{0}

	noSyria := splitBorder()
	noSyria.syriaID = "400"

	for _, tc := range []struct {
		name string
		f    fixture
		src  Source
		want string
	}{
		{"no shared arc", noShared, testSource, "invalid: borderimport: Iraq and Syria share no arc"},
		{"gap", gap, testSource, "invalid: borderimport: the 2 arcs Iraq and Syria share do not form one line: arcs [2] do not join the line of arcs [0] from (lon 40.0000, lat 34.5000) to (lon 38.7700, lat 33.3700)"},
		{"far from the tripoints", shifted, testSource, "invalid: borderimport: the border Iraq and Syria share runs from (lon 39.7700, lat 33.3700) to (lon 43.3600, lat 37.1100), not from the Jordan tripoint near (lon 38.7700, lat 33.3700) to the Turkey tripoint near (lon 42.3600, lat 37.1100)"},
		{"closed ring", ring, testSource, "invalid: borderimport: the arcs Iraq and Syria share form a closed ring, not a line"},
		{"same side", sameSide, testSource, "invalid: borderimport: Iraq and Syria both lie to the right of their shared border"},
		{"not a polygon", line, testSource, "invalid: borderimport: Iraq (368) is a LineString, expected a Polygon or MultiPolygon"},
		{"no Syria", noSyria, testSource, `not_found: borderimport: Syria (760): topojson: objects.countries: no geometry with id "760"`},
		{"no version", splitBorder(), Source{Package: "world-atlas", Licence: "ISC"}, `invalid: borderimport: source package, version and licence are all required, got {Package:world-atlas Version: Licence:ISC}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(tc.f.topology(t), tc.src)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestFormatCoord(t *testing.T) {
	for v, want := range map[float64]string{
		38.77418774187743: "38.774188",
		-0.0000001:        "0.000000",
		-12.5:             "-12.500000",
		0:                 "0.000000",
	} {
		if got := formatCoord(v); got != want {
			t.Errorf("formatCoord(%v) = %q, want %q", v, got, want)
		}
	}
	// Vertices that round to the same text are written once.
	if got := formatLine([][2]float64{{1, 2}, {1.0000001, 2}, {3, 4}}); len(got) != 2 {
		t.Errorf("formatLine kept %d vertices, want 2: %v", len(got), got)
	}
}

// featureCollection is the shape Import writes.
type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string       `json:"type"`
			Coordinates [][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func parse(t *testing.T, data []byte) featureCollection {
	t.Helper()
	var fc featureCollection
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		t.Fatalf("output is not the expected GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 1 {
		t.Fatalf("got a %s of %d features, want a FeatureCollection of 1", fc.Type, len(fc.Features))
	}
	return fc
}

func TestGoldenIsGeoJSON(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "split.golden"))
	if err != nil {
		t.Fatal(err)
	}
	f := parse(t, data).Features[0]
	if f.Geometry.Type != "LineString" || len(f.Geometry.Coordinates) != 4 {
		t.Fatalf("geometry: %s of %d vertices, want LineString of 4", f.Geometry.Type, len(f.Geometry.Coordinates))
	}
	if got := f.Geometry.Coordinates; got[0] != b0 || got[3] != b3 {
		t.Errorf("line runs from %v to %v, want %v to %v", got[0], got[3], b0, b3)
	}
	if f.Properties["iraq_side"] != "right" {
		t.Errorf("iraq_side = %v, want right", f.Properties["iraq_side"])
	}
}

// checkBorder checks a border written for the real Natural Earth data.
func checkBorder(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("}\n")) {
		t.Error("output does not end in a newline")
	}
	f := parse(t, data).Features[0]
	line := f.Geometry.Coordinates
	want := map[string]any{
		"id":        FeatureID,
		"name":      "Iraq–Syria border",
		"source":    "Natural Earth 1:10m admin-0 countries",
		"package":   "world-atlas",
		"version":   "2.0.2",
		"licence":   "Natural Earth: public domain; world-atlas: ISC, Copyright 2013-2019 Michael Bostock",
		"from":      "Jordan tripoint",
		"to":        "Turkey tripoint",
		"iraq_side": "right",
		"vertices":  float64(len(line)),
	}
	if len(f.Properties) != len(want) {
		t.Errorf("properties = %v, want %v", f.Properties, want)
	}
	for k, v := range want {
		if f.Properties[k] != v {
			t.Errorf("properties.%s = %v, want %v", k, f.Properties[k], v)
		}
	}
	if f.ID != FeatureID || f.Type != "Feature" || f.Geometry.Type != "LineString" {
		t.Errorf("feature %q is a %s with a %s, want %q, Feature, LineString", f.ID, f.Type, f.Geometry.Type, FeatureID)
	}
	if len(line) < 20 {
		t.Fatalf("the border has %d vertices, expected many more", len(line))
	}
	if !near(line[0], jordanTripoint) || !near(line[len(line)-1], turkeyTripoint) {
		t.Errorf("the border runs from %v to %v, want the Jordan then the Turkey tripoint", line[0], line[len(line)-1])
	}
	km := lineLength(t, line) / 1000
	t.Logf("the border has %d vertices, runs from %v to %v and measures %.3f km on the WGS 84 ellipsoid",
		len(line), line[0], line[len(line)-1], km)
	if km < 590 || km > 610 {
		t.Errorf("the border measures %.3f km, expected 590 to 610 km", km)
	}
}

func lineLength(t *testing.T, line [][2]float64) float64 {
	t.Helper()
	var m float64
	for k := 1; k < len(line); k++ {
		d, err := vincenty(line[k-1], line[k])
		if err != nil {
			t.Fatalf("segment %d: %v", k, err)
		}
		m += d
	}
	return m
}

// naturalEarth decodes world-atlas's countries-10m.json, or skips the test
// when web/node_modules is not installed.
func naturalEarth(t *testing.T) *topojson.Topology {
	t.Helper()
	const path = "../../../web/node_modules/world-atlas/countries-10m.json"
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: run npm ci in web/ to test against Natural Earth", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	topo, err := topojson.Decode(f, topojson.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func TestImportNaturalEarth(t *testing.T) {
	topo := naturalEarth(t)
	got, err := Import(topo, testSource)
	if err != nil {
		t.Fatal(err)
	}
	checkBorder(t, got)
	again, err := Import(topo, testSource)
	if err != nil || !bytes.Equal(got, again) {
		t.Errorf("a second import differs (error %v)", err)
	}

	// Iraq is to the right of the line and Syria to its left, checked by
	// point-in-polygon tests beside the middle of every segment.
	line := parse(t, got).Features[0].Geometry.Coordinates
	iraq := countryRing(t, topo, IraqID)
	syria := countryRing(t, topo, SyriaID)
	for k := 1; k < len(line); k++ {
		a, b := line[k-1], line[k]
		mid := [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		dx, dy := b[0]-a[0], b[1]-a[1]
		n := 0.001 / max(abs(dx), abs(dy))
		right := [2]float64{mid[0] + dy*n, mid[1] - dx*n}
		left := [2]float64{mid[0] - dy*n, mid[1] + dx*n}
		if !inRing(right, iraq) || !inRing(left, syria) {
			t.Errorf("segment %d: %v right of it is in Iraq: %t; %v left of it is in Syria: %t",
				k, right, inRing(right, iraq), left, inRing(left, syria))
		}
	}
}

// TestCommittedBorder checks the border file the theater loads.
func TestCommittedBorder(t *testing.T) {
	data, err := os.ReadFile("../data/iraq-syria/border.geojson")
	if err != nil {
		t.Fatal(err)
	}
	checkBorder(t, data)
}

// countryRing returns the positions of a single-polygon country's outer
// ring.
func countryRing(t *testing.T, topo *topojson.Topology, id string) [][2]float64 {
	t.Helper()
	g, err := topo.Geometry(CountriesObject, id)
	if err != nil {
		t.Fatal(err)
	}
	if g.Type != topojson.TypePolygon {
		t.Fatalf("country %s is a %s, want a Polygon", id, g.Type)
	}
	var ring [][2]float64
	for _, ref := range g.Arcs[0][0] {
		pos, err := topo.ArcPositions(ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(ring) > 0 {
			pos = pos[1:]
		}
		ring = append(ring, pos...)
	}
	return ring
}

// inRing reports whether p lies inside the ring, by counting crossings of a
// ray to the east.
func inRing(p [2]float64, ring [][2]float64) bool {
	in := false
	for k, j := 0, len(ring)-1; k < len(ring); j, k = k, k+1 {
		a, b := ring[j], ring[k]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

func TestInRing(t *testing.T) {
	square := [][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}
	if !inRing([2]float64{1, 1}, square) || inRing([2]float64{3, 1}, square) {
		t.Error("inRing misjudges a unit square")
	}
}

func TestErrorCodes(t *testing.T) {
	f := splitBorder()
	f.syriaID = "1"
	_, err := Import(f.topology(t), testSource)
	if errs.CodeOf(err) != errs.NotFound || !strings.Contains(err.Error(), "Syria") {
		t.Errorf("error = %v, want a not-found error naming Syria", err)
	}
}

func ExampleImport() {
	topo, err := topojson.Decode(strings.NewReader(`{"type":"Topology","arcs":[],"objects":{}}`), topojson.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = Import(topo, Source{Package: "world-atlas", Version: "2.0.2", Licence: "ISC"})
	fmt.Println(err)
	// Output: not_found: borderimport: Iraq (368): topojson: objects.countries: no such object
}
