package topojson

// Limits bounds what Decode accepts. A zero field takes its default from
// DefaultLimits.
type Limits struct {
	// MaxBytes bounds the size of the input.
	MaxBytes int64
	// MaxArcs bounds the number of arcs.
	MaxArcs int
	// MaxPositions bounds the number of positions in all arcs together,
	// plus the numbers in the coordinates of point geometries.
	MaxPositions int
	// MaxArcRefs bounds the number of arc indexes in all geometries
	// together.
	MaxArcRefs int
	// MaxGeometries bounds the number of geometry objects, counting the
	// members of collections.
	MaxGeometries int
	// MaxDepth bounds the nesting of geometry collections and of JSON values
	// in members the decoder skips.
	MaxDepth int
}

// DefaultLimits are generous for world-scale boundary files: Natural Earth
// 1:10m countries, the largest Raqib reads, is 3.7 MB with 4,635 arcs and
// 477,295 positions.
var DefaultLimits = Limits{
	MaxBytes:      64 << 20,
	MaxArcs:       1 << 20,
	MaxPositions:  4 << 20,
	MaxArcRefs:    4 << 20,
	MaxGeometries: 1 << 20,
	MaxDepth:      32,
}

// withDefaults returns l with every zero or negative field replaced by its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxArcs > 0 {
		d.MaxArcs = l.MaxArcs
	}
	if l.MaxPositions > 0 {
		d.MaxPositions = l.MaxPositions
	}
	if l.MaxArcRefs > 0 {
		d.MaxArcRefs = l.MaxArcRefs
	}
	if l.MaxGeometries > 0 {
		d.MaxGeometries = l.MaxGeometries
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	return d
}
