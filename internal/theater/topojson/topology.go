// Package topojson decodes TopoJSON topologies: shared, optionally quantized
// and delta-encoded arcs, and named objects whose geometries refer to those
// arcs by index. It covers what Raqib needs to derive theater data from
// published boundary files, such as the Natural Earth countries of the
// world-atlas package.
//
// Decoding is bounded: every count read from the input is checked against
// Limits before the data is stored, and every error names the offending
// member by its path, such as "arcs[12][3]".
package topojson

import (
	"fmt"

	"raqib/internal/errs"
)

// Geometry types, as they appear in the "type" member of a geometry object.
// A null geometry has the type "".
const (
	TypePoint              = "Point"
	TypeMultiPoint         = "MultiPoint"
	TypeLineString         = "LineString"
	TypeMultiLineString    = "MultiLineString"
	TypePolygon            = "Polygon"
	TypeMultiPolygon       = "MultiPolygon"
	TypeGeometryCollection = "GeometryCollection"
)

// Topology is a decoded TopoJSON topology.
type Topology struct {
	// BBox is the optional bounding box, empty when absent.
	BBox []float64
	// Transform is set when the topology is quantized.
	Transform *Transform
	// Arcs holds each arc's positions as stored in the input: when the
	// topology is quantized they are integers, each position relative to the
	// one before it. ArcPositions returns absolute positions.
	Arcs [][][2]float64
	// Objects maps each named object to its geometry.
	Objects map[string]*Geometry
}

// Transform maps quantized positions to coordinates: each coordinate is
// quantized * Scale + Translate.
type Transform struct {
	Scale     [2]float64
	Translate [2]float64
}

// Geometry is a TopoJSON geometry object.
type Geometry struct {
	// Type is one of the Type constants, or "" for a null geometry.
	Type string
	// ID is the geometry's identifier, "" when absent. A numeric identifier
	// is kept as its shortest decimal text, such as "368".
	ID string
	// Properties holds the geometry's properties, nil when absent.
	Properties map[string]any
	// Arcs holds the arc indexes of a LineString, MultiLineString, Polygon
	// or MultiPolygon, always three levels deep: a LineString's [a, b]
	// becomes [[[a, b]]], a Polygon's or MultiLineString's [[a], [b]]
	// becomes [[[a], [b]]], and a MultiPolygon's is kept as it is. An index
	// i >= 0 means arc i; a negative index ^i (that is, -i-1) means arc i
	// reversed.
	Arcs [][][]int
	// Coordinates holds the positions of a Point (one) or MultiPoint, as
	// stored: quantized when the topology is, but never delta-encoded.
	Coordinates [][2]float64
	// Geometries holds the members of a GeometryCollection.
	Geometries []*Geometry
}

// Name returns the geometry's "name" property, or "" when it has none or it
// is not a string.
func (g *Geometry) Name() string {
	s, _ := g.Properties["name"].(string)
	return s
}

// Position returns the coordinates of a stored point position: dequantized
// when the topology has a transform, unchanged otherwise. It does not apply
// to arc positions, which are delta-encoded; use ArcPositions for those.
func (t *Topology) Position(p [2]float64) [2]float64 {
	if t.Transform == nil {
		return p
	}
	return [2]float64{
		p[0]*t.Transform.Scale[0] + t.Transform.Translate[0],
		p[1]*t.Transform.Scale[1] + t.Transform.Translate[1],
	}
}

// ArcPositions returns the absolute coordinates of arc i, dequantized when
// the topology is quantized. A negative i, ^j, returns arc j reversed, as
// geometries refer to it. The result is a new slice the caller may keep.
func (t *Topology) ArcPositions(i int) ([][2]float64, error) {
	j, reversed := i, false
	if i < 0 {
		j, reversed = ^i, true
	}
	if j >= len(t.Arcs) {
		return nil, errs.E(errs.NotFound, "topojson: arc %d: the topology has %d arcs", i, len(t.Arcs))
	}
	arc := t.Arcs[j]
	out := make([][2]float64, len(arc))
	if t.Transform == nil {
		copy(out, arc)
	} else {
		var x, y float64
		for k, p := range arc {
			x += p[0]
			y += p[1]
			out[k] = t.Position([2]float64{x, y})
		}
	}
	if reversed {
		for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
			out[a], out[b] = out[b], out[a]
		}
	}
	return out, nil
}

// Geometry returns the geometry with the given id within the named object:
// the object itself when its id matches, or else the first match in a
// depth-first walk of its collection. Two geometries with the same id in
// one object are an error, since the choice between them would be arbitrary.
func (t *Topology) Geometry(object, id string) (*Geometry, error) {
	root, ok := t.Objects[object]
	if !ok {
		return nil, errs.E(errs.NotFound, "topojson: %s: no such object", objectPath(object))
	}
	var found []*Geometry
	var walk func(g *Geometry)
	walk = func(g *Geometry) {
		if g.ID == id {
			found = append(found, g)
		}
		for _, m := range g.Geometries {
			walk(m)
		}
	}
	walk(root)
	switch len(found) {
	case 0:
		return nil, errs.E(errs.NotFound, "topojson: %s: no geometry with id %q", objectPath(object), id)
	case 1:
		return found[0], nil
	default:
		return nil, errs.E(errs.Conflict, "topojson: %s: %d geometries with id %q", objectPath(object), len(found), id)
	}
}

// ArcRefs returns every arc index the geometry and its members refer to, in
// the order they appear.
func (g *Geometry) ArcRefs() []int {
	var refs []int
	var walk func(g *Geometry)
	walk = func(g *Geometry) {
		for _, part := range g.Arcs {
			for _, seq := range part {
				refs = append(refs, seq...)
			}
		}
		for _, m := range g.Geometries {
			walk(m)
		}
	}
	walk(g)
	return refs
}

// objectPath returns the path of a named object, such as objects.countries
// or objects["two words"].
func objectPath(name string) string {
	if isIdentifier(name) {
		return "objects." + name
	}
	return fmt.Sprintf("objects[%q]", name)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
