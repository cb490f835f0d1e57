package topojson

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"raqib/internal/errs"
)

func decodeFile(t *testing.T, name string) *Topology {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	topo, err := Decode(bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return topo
}

func TestDecodeQuantized(t *testing.T) {
	topo := decodeFile(t, "squares.json")

	if want := (&Transform{Scale: [2]float64{0.5, 0.25}, Translate: [2]float64{10, 20}}); !reflect.DeepEqual(topo.Transform, want) {
		t.Errorf("Transform = %+v, want %+v", topo.Transform, want)
	}
	if want := []float64{10, 20, 12, 21}; !reflect.DeepEqual(topo.BBox, want) {
		t.Errorf("BBox = %v, want %v", topo.BBox, want)
	}
	if len(topo.Arcs) != 3 {
		t.Fatalf("len(Arcs) = %d, want 3", len(topo.Arcs))
	}
	// Arcs keep their stored, delta-encoded form.
	if want := [][2]float64{{2, 0}, {0, 4}}; !reflect.DeepEqual(topo.Arcs[0], want) {
		t.Errorf("Arcs[0] = %v, want %v", topo.Arcs[0], want)
	}

	for _, tc := range []struct {
		arc  int
		want [][2]float64
	}{
		{0, [][2]float64{{11, 20}, {11, 21}}},
		{^0, [][2]float64{{11, 21}, {11, 20}}},
		{1, [][2]float64{{11, 21}, {10, 21}, {10, 20}, {11, 20}}},
		{2, [][2]float64{{11, 20}, {12, 20}, {12, 21}, {11, 21}}},
		{^2, [][2]float64{{11, 21}, {12, 21}, {12, 20}, {11, 20}}},
	} {
		got, err := topo.ArcPositions(tc.arc)
		if err != nil {
			t.Errorf("ArcPositions(%d): %v", tc.arc, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ArcPositions(%d) = %v, want %v", tc.arc, got, tc.want)
		}
	}

	east, err := topo.Geometry("squares", "B")
	if err != nil {
		t.Fatal(err)
	}
	if east.Type != TypePolygon || east.Name() != "East" {
		t.Errorf("geometry B = %s %q, want Polygon \"East\"", east.Type, east.Name())
	}
	if want := [][][]int{{{^0, 2}}}; !reflect.DeepEqual(east.Arcs, want) {
		t.Errorf("B.Arcs = %v, want %v", east.Arcs, want)
	}
	coll := topo.Objects["squares"]
	if want := []int{0, 1, ^0, 2}; !reflect.DeepEqual(coll.ArcRefs(), want) {
		t.Errorf("ArcRefs() = %v, want %v", coll.ArcRefs(), want)
	}
}

func TestDecodeGeometryTypes(t *testing.T) {
	topo := decodeFile(t, "types.json")

	if topo.Transform != nil {
		t.Errorf("Transform = %+v, want nil", topo.Transform)
	}
	// Unquantized arcs are absolute; extra position elements are dropped.
	if got, _ := topo.ArcPositions(2); !reflect.DeepEqual(got, [][2]float64{{3, 3}, {4, 4}}) {
		t.Errorf("ArcPositions(2) = %v", got)
	}
	all := topo.Objects["all"]
	if all.ID != "7" || len(all.Geometries) != 8 {
		t.Fatalf("objects.all: id %q with %d members, want \"7\" with 8", all.ID, len(all.Geometries))
	}
	want := []*Geometry{
		{Type: TypePoint, ID: "368", Coordinates: [][2]float64{{1, 2}}},
		{Type: TypeMultiPoint, Coordinates: [][2]float64{{1, 2}, {3, 4}}},
		{Type: TypeLineString, Arcs: [][][]int{{{0, 1}}}},
		{Type: TypeMultiLineString, Arcs: [][][]int{{{2}, {-3}}}},
		{Type: TypePolygon, Arcs: [][][]int{{{0, 1}}}, Properties: map[string]any{"area": 1.0, "tags": []any{"a", "b"}}},
		{Type: TypeMultiPolygon, Arcs: [][][]int{{{0, 1}}, {}}},
		{Type: TypeGeometryCollection, Geometries: []*Geometry{{ID: "nothing"}}},
		{Type: TypePolygon, Arcs: [][][]int{{}}},
	}
	for i, g := range all.Geometries {
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("geometries[%d] = %+v, want %+v", i, g, want[i])
		}
	}
	if g := topo.Objects["two words"]; g == nil || !reflect.DeepEqual(g.Arcs, [][][]int{{{-1}}}) {
		t.Errorf(`objects["two words"] = %+v`, g)
	}
	if p := topo.Position(all.Geometries[0].Coordinates[0]); p != [2]float64{1, 2} {
		t.Errorf("Position = %v, want [1 2]", p)
	}
}

func TestDecodeEmpty(t *testing.T) {
	topo := decodeFile(t, "empty.json")
	if len(topo.Arcs) != 0 || len(topo.Objects) != 0 {
		t.Errorf("got %d arcs and %d objects, want none", len(topo.Arcs), len(topo.Objects))
	}
}

// TestDecodeReaders feeds each file in small and uneven reads.
func TestDecodeReaders(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Decode(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"halves":   iotest.HalfReader(bytes.NewReader(data)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			got, err := Decode(r, Limits{})
			if err != nil {
				t.Errorf("%s, %s: %v", file, name, err)
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s: decoded differently from a whole read", file, name)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	const arcs = `"arcs":[[[0,0],[1,1]]]`
	topo := func(objects string) string {
		return `{"type":"Topology",` + arcs + `,"objects":{` + objects + `}}`
	}
	for _, tc := range []struct {
		name string
		in   string
		lim  Limits
		want string
		code errs.Code
	}{
		{"empty input", ``, Limits{}, "topojson: unexpected end of input", errs.Invalid},
		{"not an object", `[]`, Limits{}, "topojson: expected a JSON object, got an array", errs.Invalid},
		{"bad JSON", `{"type":"Topology",}`, Limits{}, `topojson: invalid JSON at byte 19: invalid character '}' looking for beginning of object key string`, errs.Invalid},
		{"truncated", `{"type":"Topology","arcs":[[[0,0],[1`, Limits{}, "topojson: arcs: unexpected end of input", errs.Invalid},
		{"trailing data", `{"type":"Topology","arcs":[],"objects":{}} {}`, Limits{}, "topojson: unexpected data after the topology", errs.Invalid},
		{"wrong type", `{"type":"FeatureCollection"}`, Limits{}, `topojson: type: expected "Topology", got the string "FeatureCollection"`, errs.Invalid},
		{"missing type", `{"arcs":[],"objects":{}}`, Limits{}, "topojson: type: missing", errs.Invalid},
		{"missing arcs", `{"type":"Topology","objects":{}}`, Limits{}, "topojson: arcs: missing", errs.Invalid},
		{"missing objects", `{"type":"Topology","arcs":[]}`, Limits{}, "topojson: objects: missing", errs.Invalid},
		{"duplicate arcs", `{"type":"Topology","arcs":[],"arcs":[]}`, Limits{}, "topojson: arcs: duplicate member", errs.Invalid},
		{"bbox odd", `{"type":"Topology","bbox":[1,2,3]}`, Limits{}, "topojson: bbox: expected 4, 6 or 8 numbers, got 3", errs.Invalid},
		{"bbox string", `{"type":"Topology","bbox":[1,"2"]}`, Limits{}, `topojson: bbox[1]: expected a number, got the string "2"`, errs.Invalid},
		{"scale of 3", `{"type":"Topology","transform":{"scale":[1,1,1]}}`, Limits{}, "topojson: transform.scale: expected an array of 2 numbers, got more", errs.Invalid},
		{"scale of 1", `{"type":"Topology","transform":{"scale":[1]}}`, Limits{}, "topojson: transform.scale: expected an array of 2 numbers, got 1", errs.Invalid},
		{"no translate", `{"type":"Topology","transform":{"scale":[1,1]}}`, Limits{}, "topojson: transform.translate: missing", errs.Invalid},
		{"arcs not array", `{"type":"Topology","arcs":{}}`, Limits{}, "topojson: arcs: expected an array of arcs, got an object", errs.Invalid},
		{"arc not array", `{"type":"Topology","arcs":[[[0,0],[1,1]],7]}`, Limits{}, "topojson: arcs[1]: expected an arc, an array of positions, got a number", errs.Invalid},
		{"short position", `{"type":"Topology","arcs":[[[0,0],[1,1]],[[0,0],[1,1],[2,2],[3]]]}`, Limits{}, "topojson: arcs[1][3]: expected a position of 2 or more numbers, got 1", errs.Invalid},
		{"position not array", `{"type":"Topology","arcs":[[[0,0],"x"]]}`, Limits{}, "topojson: arcs[0][1]: expected a position of 2 or more numbers, got a string", errs.Invalid},
		{"position of nulls", `{"type":"Topology","arcs":[[[0,0],[1,null]]]}`, Limits{}, "topojson: arcs[0][1][1]: expected a number, got null", errs.Invalid},
		{"huge number", `{"type":"Topology","arcs":[[[0,0],[1,1e999]]]}`, Limits{}, "topojson: arcs[0][1][1]: number 1e999 out of range", errs.Invalid},
		{"one-position arc", `{"type":"Topology","arcs":[[[0,0]]]}`, Limits{}, "topojson: arcs[0]: expected an arc of 2 or more positions, got 1", errs.Invalid},
		{"fractional quantized", `{"type":"Topology","transform":{"scale":[1,1],"translate":[0,0]},"arcs":[[[0,0],[1,0.5]]],"objects":{}}`, Limits{}, "topojson: arcs[0][1][1]: expected an integer in a quantized topology, got 0.5", errs.Invalid},
		{"objects not object", `{"type":"Topology","arcs":[],"objects":[]}`, Limits{}, "topojson: objects: expected an object, got an array", errs.Invalid},
		{"geometry not object", topo(`"x":1`), Limits{}, "topojson: objects.x: expected a geometry object, got a number", errs.Invalid},
		{"geometry without type", topo(`"x":{"arcs":[0]}`), Limits{}, "topojson: objects.x.type: missing", errs.Invalid},
		{"unknown geometry type", topo(`"x":{"type":"Circle"}`), Limits{}, `topojson: objects.x.type: unknown geometry type "Circle"`, errs.Invalid},
		{"numeric type", topo(`"x":{"type":1}`), Limits{}, "topojson: objects.x.type: expected a geometry type, got a number", errs.Invalid},
		{"bad id", topo(`"x":{"type":null,"id":[]}`), Limits{}, "topojson: objects.x.id: expected a string or a number, got an array", errs.Invalid},
		{"bad properties", topo(`"x":{"type":null,"properties":[1]}`), Limits{}, "topojson: objects.x.properties: expected an object or null, got a JSON array", errs.Invalid},
		{"line without arcs", topo(`"x":{"type":"LineString"}`), Limits{}, "topojson: objects.x.arcs: missing", errs.Invalid},
		{"point with arcs", topo(`"x":{"type":"Point","coordinates":[0,0],"arcs":[0]}`), Limits{}, "topojson: objects.x.arcs: not allowed in a Point", errs.Invalid},
		{"null with coordinates", topo(`"x":{"type":null,"coordinates":[0,0]}`), Limits{}, "topojson: objects.x.coordinates: not allowed in a null geometry", errs.Invalid},
		{"polygon of indexes", topo(`"x":{"type":"Polygon","arcs":[0]}`), Limits{}, "topojson: objects.x.arcs[0]: expected an array of arc indexes, got a number", errs.Invalid},
		{"line of rings", topo(`"x":{"type":"LineString","arcs":[[0]]}`), Limits{}, "topojson: objects.x.arcs[0]: expected an arc index, got an array", errs.Invalid},
		{"mixed depth", topo(`"x":{"type":"Polygon","arcs":[[0],1]}`), Limits{}, "topojson: objects.x.arcs[1]: expected an array, got a number", errs.Invalid},
		{"too deep", topo(`"x":{"type":"MultiPolygon","arcs":[[[[0]]]]}`), Limits{}, "topojson: objects.x.arcs[0][0][0]: expected a number, got an array", errs.Invalid},
		{"fractional index", topo(`"x":{"type":"LineString","arcs":[0.5]}`), Limits{}, "topojson: objects.x.arcs[0]: expected an arc index, an integer, got 0.5", errs.Invalid},
		{"index out of range", topo(`"x":{"type":"MultiPolygon","arcs":[[[0]],[[0,-1,1]]]}`), Limits{}, "topojson: objects.x.arcs[1][0][2]: arc index 1 out of range: the topology has 1 arcs", errs.Invalid},
		{"reversed index out of range", topo(`"x":{"type":"LineString","arcs":[-2]}`), Limits{}, "topojson: objects.x.arcs[0]: arc index -2 out of range: the topology has 1 arcs", errs.Invalid},
		{"index checked in collection", topo(`"x":{"type":"GeometryCollection","geometries":[{"type":"LineString","arcs":[0]},{"type":"LineString","arcs":[5]}]}`), Limits{}, "topojson: objects.x.geometries[1].arcs[0]: arc index 5 out of range: the topology has 1 arcs", errs.Invalid},
		{"quoted object path", topo(`"a b":{"type":"LineString","arcs":[5]}`), Limits{}, `topojson: objects["a b"].arcs[0]: arc index 5 out of range: the topology has 1 arcs`, errs.Invalid},
		{"point too short", topo(`"x":{"type":"Point","coordinates":[1]}`), Limits{}, "topojson: objects.x.coordinates: expected a position of 2 or more numbers", errs.Invalid},
		{"multipoint of numbers", topo(`"x":{"type":"MultiPoint","coordinates":[1,2]}`), Limits{}, "topojson: objects.x.coordinates[0]: expected a position of 2 or more numbers, got a number", errs.Invalid},
		{"fractional quantized point", `{"type":"Topology","transform":{"scale":[1,1],"translate":[0,0]},"arcs":[],"objects":{"x":{"type":"MultiPoint","coordinates":[[1,2],[1.5,2]]}}}`, Limits{}, "topojson: objects.x.coordinates[1]: expected integers in a quantized topology", errs.Invalid},
		{"duplicate object", topo(`"x":{"type":null},"x":{"type":null}`), Limits{}, "topojson: objects.x: duplicate object", errs.Invalid},
		{"geometries not array", topo(`"x":{"type":"GeometryCollection","geometries":{}}`), Limits{}, "topojson: objects.x.geometries: expected an array of geometry objects, got an object", errs.Invalid},

		{"input too large", topo(``), Limits{MaxBytes: 20}, "topojson: input is larger than 20 bytes", errs.TooLarge},
		{"too many arcs", `{"type":"Topology","arcs":[[[0,0],[1,1]],[[0,0],[1,1]],[[0,0],[1,1]]]}`, Limits{MaxArcs: 2}, "topojson: arcs: more than 2 arcs", errs.TooLarge},
		{"too many positions", `{"type":"Topology","arcs":[[[0,0],[1,1]],[[0,0],[1,1],[2,2]]]}`, Limits{MaxPositions: 4}, "topojson: arcs[1]: more than 4 positions", errs.TooLarge},
		{"too many arc indexes", topo(`"x":{"type":"LineString","arcs":[0,0,0]}`), Limits{MaxArcRefs: 2}, "topojson: objects.x.arcs[2]: more than 2 arc indexes", errs.TooLarge},
		{"too many geometries", topo(`"x":{"type":"GeometryCollection","geometries":[{"type":null},{"type":null}]}`), Limits{MaxGeometries: 2}, "topojson: objects.x.geometries[1]: more than 2 geometries", errs.TooLarge},
		{"collections too deep", topo(`"x":{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[]}]}`), Limits{MaxDepth: 1}, "topojson: objects.x.geometries[0]: geometry collections nested more than 1 deep", errs.TooLarge},
		{"foreign member too deep", `{"type":"Topology","x":[[[[1]]]]}`, Limits{MaxDepth: 3}, "topojson: x: nested more than 3 deep", errs.TooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo, err := Decode(strings.NewReader(tc.in), tc.lim)
			if err == nil {
				t.Fatalf("Decode succeeded with %d arcs, want error %q", len(topo.Arcs), tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *topojson.Error", err)
			}
			if code := errs.CodeOf(err); code != tc.code {
				t.Errorf("code = %s, want %s", code, tc.code)
			}
		})
	}
}

// TestDecodeLimitsExact checks that input exactly at each limit decodes.
func TestDecodeLimitsExact(t *testing.T) {
	in := `{"type":"Topology","arcs":[[[0,0],[1,1]],[[0,0],[1,1]]],"objects":{"x":{"type":"LineString","arcs":[0,1]}}}`
	lim := Limits{MaxBytes: int64(len(in)), MaxArcs: 2, MaxPositions: 4, MaxArcRefs: 2, MaxGeometries: 1, MaxDepth: 1}
	if _, err := Decode(strings.NewReader(in), lim); err != nil {
		t.Fatal(err)
	}
}

func TestLookupErrors(t *testing.T) {
	topo := decodeFile(t, "squares.json")
	for _, tc := range []struct {
		object, id string
		want       string
		code       errs.Code
	}{
		{"lakes", "A", "topojson: objects.lakes: no such object", errs.NotFound},
		{"squares", "C", `topojson: objects.squares: no geometry with id "C"`, errs.NotFound},
	} {
		_, err := topo.Geometry(tc.object, tc.id)
		if err == nil || err.Error() != string(tc.code)+": "+tc.want {
			t.Errorf("Geometry(%q, %q) error = %v, want %q", tc.object, tc.id, err, tc.want)
		}
	}
	topo.Objects["squares"].Geometries[1].ID = "A"
	if _, err := topo.Geometry("squares", "A"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("Geometry with a duplicate id: error %v, want a conflict", err)
	}
	for _, arc := range []int{3, ^3, 100} {
		if _, err := topo.ArcPositions(arc); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("ArcPositions(%d) error = %v, want not found", arc, err)
		}
	}
}
