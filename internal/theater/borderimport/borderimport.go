// Package borderimport derives the Iraq–Syria border line from Natural
// Earth's 1:10m admin-0 countries, as published in TopoJSON by the
// world-atlas package, and writes it as GeoJSON.
//
// The border is the chain of arcs the two countries' polygons share. It is
// oriented from the Jordan tripoint in the south-west to the Turkey tripoint
// in the north-east, so Iraq lies to the right of the direction of travel.
package borderimport

import (
	"fmt"
	"slices"

	"raqib/internal/errs"
	"raqib/internal/theater/topojson"
)

// Identifiers of the data in world-atlas's countries-10m.json: the object
// holding the countries, and their ISO 3166-1 numeric codes.
const (
	CountriesObject = "countries"
	IraqID          = "368"
	SyriaID         = "760"
)

// Source describes the package the topology came from, for the output's
// provenance properties.
type Source struct {
	// Package is the npm package name, "world-atlas".
	Package string
	// Version is its exact version, such as "2.0.2".
	Version string
	// Licence is the package's licence, such as
	// "ISC, Copyright 2013-2019 Michael Bostock".
	Licence string
}

// Where the border should end, and how far (in degrees of latitude and of
// longitude) the data may place its ends from these.
var (
	jordanTripoint = [2]float64{38.77, 33.37}
	turkeyTripoint = [2]float64{42.36, 37.11}
)

const tripointTolerance = 0.1

// Import finds the border shared by Iraq and Syria in topo's countries
// object, joins it into one line from the Jordan tripoint to the Turkey
// tripoint, and returns it as a GeoJSON FeatureCollection holding one
// LineString Feature. The output depends only on its inputs, byte for byte.
func Import(topo *topojson.Topology, src Source) ([]byte, error) {
	if src.Package == "" || src.Version == "" || src.Licence == "" {
		return nil, errs.E(errs.Invalid, "borderimport: source package, version and licence are all required, got %+v", src)
	}
	iraq, err := country(topo, IraqID, "Iraq")
	if err != nil {
		return nil, err
	}
	syria, err := country(topo, SyriaID, "Syria")
	if err != nil {
		return nil, err
	}
	shared := sharedArcs(iraq, syria)
	if len(shared) == 0 {
		return nil, errs.E(errs.Invalid, "borderimport: Iraq and Syria share no arc")
	}
	line, refs, err := chain(topo, shared)
	if err != nil {
		return nil, err
	}
	line, refs = orient(line, refs)
	if err := checkEnds(line); err != nil {
		return nil, err
	}
	iraqSide, err := side(topo, iraq, refs[0])
	if err != nil {
		return nil, err
	}
	syriaSide, err := side(topo, syria, refs[0])
	if err != nil {
		return nil, err
	}
	if iraqSide == syriaSide {
		return nil, errs.E(errs.Invalid, "borderimport: Iraq and Syria both lie to the %s of their shared border", iraqSide)
	}
	return encode(border{line: line, iraqSide: iraqSide, src: src})
}

// country returns the polygon geometry with the given id.
func country(topo *topojson.Topology, id, name string) (*topojson.Geometry, error) {
	g, err := topo.Geometry(CountriesObject, id)
	if err != nil {
		return nil, errs.E(errs.CodeOf(err), "borderimport: %s (%s): %s", name, id, errs.MessageOf(err))
	}
	if g.Type != topojson.TypePolygon && g.Type != topojson.TypeMultiPolygon {
		return nil, errs.E(errs.Invalid, "borderimport: %s (%s) is a %s, expected a Polygon or MultiPolygon", name, id, g.Type)
	}
	return g, nil
}

// sharedArcs returns, in ascending order, the arcs both geometries use in
// either direction.
func sharedArcs(a, b *topojson.Geometry) []int {
	inA := make(map[int]bool)
	for _, ref := range a.ArcRefs() {
		inA[arcOf(ref)] = true
	}
	seen := make(map[int]bool)
	var shared []int
	for _, ref := range b.ArcRefs() {
		if arc := arcOf(ref); inA[arc] && !seen[arc] {
			seen[arc] = true
			shared = append(shared, arc)
		}
	}
	slices.Sort(shared)
	return shared
}

// arcOf returns the arc an index refers to, whichever its direction.
func arcOf(ref int) int {
	if ref < 0 {
		return ^ref
	}
	return ref
}

// chain joins the arcs end to end into one line, reversing arcs as needed.
// It returns the line and the arcs as it traverses them (^i for arc i
// reversed), in order. It starts from the lowest-numbered arc, so its result
// does not depend on the order the countries list their arcs in.
func chain(topo *topojson.Topology, arcs []int) ([][2]float64, []int, error) {
	pieces := make([][][2]float64, len(arcs))
	for k, arc := range arcs {
		pos, err := topo.ArcPositions(arc)
		if err != nil {
			return nil, nil, errs.E(errs.Invalid, "borderimport: %s", errs.MessageOf(err))
		}
		pieces[k] = pos
	}
	line := slices.Clone(pieces[0])
	refs := []int{arcs[0]}
	used := make([]bool, len(arcs))
	used[0] = true
	for joined := 1; joined < len(arcs); joined++ {
		k, ref, pos, atEnd := next(line, pieces, arcs, used)
		if k < 0 {
			var loose []int
			for k, u := range used {
				if !u {
					loose = append(loose, arcs[k])
				}
			}
			return nil, nil, errs.E(errs.Invalid,
				"borderimport: the %d arcs Iraq and Syria share do not form one line: arcs %v do not join the line of arcs %v from %s to %s",
				len(arcs), loose, refs, fmtPos(line[0]), fmtPos(line[len(line)-1]))
		}
		used[k] = true
		if atEnd {
			line = append(line, pos[1:]...)
			refs = append(refs, ref)
		} else {
			line = append(pos[:len(pos)-1:len(pos)-1], line...)
			refs = append([]int{ref}, refs...)
		}
	}
	if line[0] == line[len(line)-1] {
		return nil, nil, errs.E(errs.Invalid, "borderimport: the arcs Iraq and Syria share form a closed ring, not a line")
	}
	return line, refs, nil
}

// next finds an unused piece that continues the line at either end. It
// returns the piece's index, its arc index and positions in the direction
// that joins, and whether it joins the line's end (rather than its start);
// or -1 when no piece joins.
func next(line [][2]float64, pieces [][][2]float64, arcs []int, used []bool) (int, int, [][2]float64, bool) {
	first, last := line[0], line[len(line)-1]
	for k, pos := range pieces {
		if used[k] {
			continue
		}
		start, end := pos[0], pos[len(pos)-1]
		switch {
		case start == last:
			return k, arcs[k], pos, true
		case end == last:
			return k, ^arcs[k], reversed(pos), true
		case end == first:
			return k, arcs[k], pos, false
		case start == first:
			return k, ^arcs[k], reversed(pos), false
		}
	}
	return -1, 0, nil, false
}

// orient returns the line, and its arcs, running from the end nearer the
// Jordan tripoint to the end nearer the Turkey tripoint.
func orient(line [][2]float64, refs []int) ([][2]float64, []int) {
	first, last := line[0], line[len(line)-1]
	if dist(first, jordanTripoint)+dist(last, turkeyTripoint) <= dist(first, turkeyTripoint)+dist(last, jordanTripoint) {
		return line, refs
	}
	out := make([]int, len(refs))
	for k, ref := range refs {
		out[len(refs)-1-k] = ^ref
	}
	return reversed(line), out
}

// checkEnds reports an error unless the oriented line ends at the two
// tripoints.
func checkEnds(line [][2]float64) error {
	first, last := line[0], line[len(line)-1]
	if near(first, jordanTripoint) && near(last, turkeyTripoint) {
		return nil
	}
	return errs.E(errs.Invalid,
		"borderimport: the border Iraq and Syria share runs from %s to %s, not from the Jordan tripoint near %s to the Turkey tripoint near %s",
		fmtPos(first), fmtPos(last), fmtPos(jordanTripoint), fmtPos(turkeyTripoint))
}

func near(p, q [2]float64) bool {
	return abs(p[0]-q[0]) <= tripointTolerance && abs(p[1]-q[1]) <= tripointTolerance
}

// dist is the planar distance in degrees, enough to tell two ends hundreds
// of kilometres apart.
func dist(p, q [2]float64) float64 {
	return abs(p[0]-q[0]) + abs(p[1]-q[1])
}

func abs(v float64) float64 { return max(v, -v) }

func reversed(pos [][2]float64) [][2]float64 {
	out := slices.Clone(pos)
	slices.Reverse(out)
	return out
}

// side reports whether the country lies to the "left" or "right" of arc
// ref, traversed in ref's direction. It finds the country's ring that uses
// the arc: the country lies to the left of an exterior ring wound
// counter-clockwise in the longitude–latitude plane, and to the right of one
// wound clockwise, and the other way round for a hole.
func side(topo *topojson.Topology, g *topojson.Geometry, ref int) (string, error) {
	for _, polygon := range g.Arcs {
		for k, ring := range polygon {
			i := slices.IndexFunc(ring, func(r int) bool { return arcOf(r) == arcOf(ref) })
			if i < 0 {
				continue
			}
			area, err := signedArea(topo, ring)
			if err != nil {
				return "", err
			}
			if area == 0 {
				return "", errs.E(errs.Invalid, "borderimport: %s (%s): a ring of the border has no area", g.Name(), g.ID)
			}
			left := area > 0       // interior to the left of the ring
			left = left != (k > 0) // a hole's interior is the polygon's exterior
			same := (ring[i] < 0) == (ref < 0)
			if left == same {
				return "left", nil
			}
			return "right", nil
		}
	}
	return "", errs.E(errs.Internal, "borderimport: %s (%s) does not use arc %d", g.Name(), g.ID, arcOf(ref))
}

// signedArea returns twice the signed area of the ring in the
// longitude–latitude plane: positive when it winds counter-clockwise.
func signedArea(topo *topojson.Topology, ring []int) (float64, error) {
	var sum float64
	for _, ref := range ring {
		pos, err := topo.ArcPositions(ref)
		if err != nil {
			return 0, errs.E(errs.Invalid, "borderimport: %s", errs.MessageOf(err))
		}
		for k := 1; k < len(pos); k++ {
			sum += pos[k-1][0]*pos[k][1] - pos[k][0]*pos[k-1][1]
		}
	}
	return sum, nil
}

// fmtPos formats a position for an error message.
func fmtPos(p [2]float64) string {
	return fmt.Sprintf("(lon %.4f, lat %.4f)", p[0], p[1])
}
