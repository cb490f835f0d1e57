package topojson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"raqib/internal/errs"
)

// maxIndex bounds arc indexes and quantized values, so they convert to int
// and accumulate in float64 without loss.
const maxIndex = 1 << 31

// Decode reads one TopoJSON topology from r, within lim (zero fields take
// their defaults). It checks that the input is JSON of the shape the
// TopoJSON specification gives, that quantized positions are integers, and
// that every arc index refers to an arc. Members it does not know are
// skipped. Errors are *Error values naming the offending member.
func Decode(r io.Reader, lim Limits) (*Topology, error) {
	lim = lim.withDefaults()
	d := &decoder{
		dec: json.NewDecoder(&limitedReader{r: r, left: lim.MaxBytes}),
		lim: lim,
	}
	t, err := d.topology()
	if err != nil {
		return nil, err
	}
	if err := d.check(t); err != nil {
		return nil, err
	}
	return t, nil
}

// errInputTooLarge is returned by limitedReader past its limit.
var errInputTooLarge = errors.New("input too large")

// limitedReader reads at most left bytes from r and then fails with
// errInputTooLarge if r has more, unlike io.LimitReader, which would
// silently truncate the input.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			return 0, errInputTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// decoder holds the state of one Decode: the token stream, the limits and
// the running counts checked against them.
type decoder struct {
	dec        *json.Decoder
	lim        Limits
	positions  int
	arcRefs    int
	geometries int
	// placed lists the geometries with arcs or coordinates, with their
	// paths, for the checks that need the whole topology.
	placed []placed
}

type placed struct {
	path string
	g    *Geometry
}

// fail turns an error from the token stream at path into an *Error.
func (d *decoder) fail(path string, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, errInputTooLarge):
		return tooLarge(path, fmt.Sprintf("input is larger than %d bytes", d.lim.MaxBytes))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Path: path, Msg: "unexpected end of input", Code: errs.Invalid, Err: err}
	case errors.As(err, &syn):
		return &Error{Path: path, Msg: fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, err), Code: errs.Invalid, Err: err}
	default:
		return &Error{Path: path, Msg: "reading input: " + err.Error(), Code: errs.Invalid, Err: err}
	}
}

func (d *decoder) token(path string) (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.fail(path, err)
	}
	return tok, nil
}

// open reads the opening delimiter of an array or object.
func (d *decoder) open(path string, delim json.Delim, want string) error {
	tok, err := d.token(path)
	if err != nil {
		return err
	}
	if tok != delim {
		return invalid(path, "expected "+want+", got "+describe(tok))
	}
	return nil
}

// close reads the closing delimiter of an array or object whose members
// have all been read.
func (d *decoder) close(path string) error {
	_, err := d.token(path)
	return err
}

// key reads the next member name of an object.
func (d *decoder) key(path string) (string, error) {
	tok, err := d.token(path)
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", invalid(path, "expected a member name, got "+describe(tok))
	}
	return k, nil
}

func (d *decoder) number(path string) (float64, error) {
	tok, err := d.token(path)
	if err != nil {
		return 0, err
	}
	v, ok := tok.(float64)
	if !ok {
		return 0, invalid(path, "expected a number, got "+describe(tok))
	}
	return v, nil
}

func (d *decoder) topology() (*Topology, error) {
	if err := d.open("", '{', "a JSON object"); err != nil {
		return nil, err
	}
	t := &Topology{}
	seen := make(map[string]bool)
	for d.dec.More() {
		k, err := d.key("")
		if err != nil {
			return nil, err
		}
		switch k {
		case "type", "bbox", "transform", "arcs", "objects":
			if seen[k] {
				return nil, invalid(k, "duplicate member")
			}
			seen[k] = true
		}
		switch k {
		case "type":
			err = d.topologyType()
		case "bbox":
			t.BBox, err = d.bbox(k)
		case "transform":
			t.Transform, err = d.transform()
		case "arcs":
			t.Arcs, err = d.arcs()
		case "objects":
			t.Objects, err = d.objects()
		default:
			err = d.skip(memberPath("", k))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := d.close(""); err != nil {
		return nil, err
	}
	switch _, err := d.dec.Token(); {
	case err == nil:
		return nil, invalid("", "unexpected data after the topology")
	case err != io.EOF:
		return nil, d.fail("", err)
	}
	for _, k := range []string{"type", "arcs", "objects"} {
		if !seen[k] {
			return nil, invalid(k, "missing")
		}
	}
	return t, nil
}

func (d *decoder) topologyType() error {
	tok, err := d.token("type")
	if err != nil {
		return err
	}
	if tok != "Topology" {
		return invalid("type", `expected "Topology", got `+describe(tok))
	}
	return nil
}

func (d *decoder) bbox(path string) ([]float64, error) {
	if err := d.open(path, '[', "an array of numbers"); err != nil {
		return nil, err
	}
	var b []float64
	for i := 0; d.dec.More(); i++ {
		if i == 8 {
			return nil, invalid(path, "expected at most 8 numbers")
		}
		v, err := d.number(indexPath(path, i))
		if err != nil {
			return nil, err
		}
		b = append(b, v)
	}
	if len(b) < 4 || len(b)%2 != 0 {
		return nil, invalid(path, fmt.Sprintf("expected 4, 6 or 8 numbers, got %d", len(b)))
	}
	return b, d.close(path)
}

func (d *decoder) transform() (*Transform, error) {
	if err := d.open("transform", '{', "an object"); err != nil {
		return nil, err
	}
	tr := &Transform{}
	var scale, translate bool
	for d.dec.More() {
		k, err := d.key("transform")
		if err != nil {
			return nil, err
		}
		switch k {
		case "scale":
			tr.Scale, err = d.pair("transform.scale")
			scale = true
		case "translate":
			tr.Translate, err = d.pair("transform.translate")
			translate = true
		default:
			err = d.skip(memberPath("transform", k))
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case !scale:
		return nil, invalid("transform.scale", "missing")
	case !translate:
		return nil, invalid("transform.translate", "missing")
	}
	return tr, d.close("transform")
}

func (d *decoder) pair(path string) ([2]float64, error) {
	const want = "expected an array of 2 numbers"
	var p [2]float64
	if err := d.open(path, '[', want); err != nil {
		return p, err
	}
	n := 0
	for ; d.dec.More(); n++ {
		if n == 2 {
			return p, invalid(path, want+", got more")
		}
		v, err := d.number(indexPath(path, n))
		if err != nil {
			return p, err
		}
		p[n] = v
	}
	if n < 2 {
		return p, invalid(path, fmt.Sprintf("%s, got %d", want, n))
	}
	return p, d.close(path)
}

func (d *decoder) objects() (map[string]*Geometry, error) {
	if err := d.open("objects", '{', "an object"); err != nil {
		return nil, err
	}
	objects := make(map[string]*Geometry)
	for d.dec.More() {
		name, err := d.key("objects")
		if err != nil {
			return nil, err
		}
		path := objectPath(name)
		if _, dup := objects[name]; dup {
			return nil, invalid(path, "duplicate object")
		}
		g, err := d.geometry(path, 1)
		if err != nil {
			return nil, err
		}
		objects[name] = g
	}
	return objects, d.close("objects")
}

// geometry reads a geometry object at the given collection depth (1 for a
// named object).
func (d *decoder) geometry(path string, depth int) (*Geometry, error) {
	if depth > d.lim.MaxDepth {
		return nil, tooLarge(path, fmt.Sprintf("geometry collections nested more than %d deep", d.lim.MaxDepth))
	}
	if d.geometries == d.lim.MaxGeometries {
		return nil, tooLarge(path, fmt.Sprintf("more than %d geometries", d.lim.MaxGeometries))
	}
	d.geometries++
	if err := d.open(path, '{', "a geometry object"); err != nil {
		return nil, err
	}
	g := &Geometry{}
	var sawType bool
	var arcs, coords *tree
	var members []*Geometry
	for d.dec.More() {
		k, err := d.key(path)
		if err != nil {
			return nil, err
		}
		kpath := memberPath(path, k)
		switch k {
		case "type":
			sawType = true
			g.Type, err = d.geometryType(kpath)
		case "id":
			g.ID, err = d.id(kpath)
		case "properties":
			g.Properties, err = d.properties(kpath)
		case "arcs":
			arcs, err = d.tree(kpath, 3, &d.arcRefs, d.lim.MaxArcRefs, "arc indexes")
		case "coordinates":
			coords, err = d.tree(kpath, 2, &d.positions, d.lim.MaxPositions, "positions")
		case "geometries":
			if members != nil {
				return nil, invalid(kpath, "duplicate member")
			}
			members, err = d.members(kpath, depth)
		default:
			err = d.skip(kpath)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := d.close(path); err != nil {
		return nil, err
	}
	if !sawType {
		return nil, invalid(memberPath(path, "type"), "missing")
	}
	if err := d.shape(path, g, arcs, coords, members); err != nil {
		return nil, err
	}
	return g, nil
}

func (d *decoder) geometryType(path string) (string, error) {
	tok, err := d.token(path)
	if err != nil {
		return "", err
	}
	switch tok {
	case nil:
		return "", nil
	case TypePoint, TypeMultiPoint, TypeLineString, TypeMultiLineString,
		TypePolygon, TypeMultiPolygon, TypeGeometryCollection:
		return tok.(string), nil
	}
	if s, ok := tok.(string); ok {
		return "", invalid(path, fmt.Sprintf("unknown geometry type %q", s))
	}
	return "", invalid(path, "expected a geometry type, got "+describe(tok))
}

func (d *decoder) id(path string) (string, error) {
	tok, err := d.token(path)
	if err != nil {
		return "", err
	}
	switch v := tok.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", invalid(path, "expected a string or a number, got "+describe(tok))
}

func (d *decoder) properties(path string) (map[string]any, error) {
	var m map[string]any
	if err := d.dec.Decode(&m); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, invalid(path, "expected an object or null, got a JSON "+typ.Value)
		}
		return nil, d.fail(path, err)
	}
	return m, nil
}

func (d *decoder) members(path string, depth int) ([]*Geometry, error) {
	if err := d.open(path, '[', "an array of geometry objects"); err != nil {
		return nil, err
	}
	members := []*Geometry{}
	for i := 0; d.dec.More(); i++ {
		g, err := d.geometry(indexPath(path, i), depth+1)
		if err != nil {
			return nil, err
		}
		members = append(members, g)
	}
	return members, d.close(path)
}

// shape checks that a geometry has the members its type calls for, of the
// right depth, and stores them in g.
func (d *decoder) shape(path string, g *Geometry, arcs, coords *tree, members []*Geometry) error {
	var wantArcs, wantCoords, wantMembers bool
	var err error
	switch g.Type {
	case TypePoint:
		wantCoords = true
		if coords != nil {
			var p [2]float64
			p, err = coords.position(memberPath(path, "coordinates"))
			g.Coordinates = [][2]float64{p}
		}
	case TypeMultiPoint:
		wantCoords = true
		if coords != nil {
			g.Coordinates, err = coords.positions(memberPath(path, "coordinates"))
		}
	case TypeLineString, TypeMultiLineString, TypePolygon, TypeMultiPolygon:
		wantArcs = true
		if arcs != nil {
			g.Arcs, err = arcs.refs(memberPath(path, "arcs"), g.Type)
		}
	case TypeGeometryCollection:
		wantMembers = true
		g.Geometries = members
	}
	if err != nil {
		return err
	}
	for _, m := range []struct {
		name       string
		want, have bool
	}{
		{"arcs", wantArcs, arcs != nil},
		{"coordinates", wantCoords, coords != nil},
		{"geometries", wantMembers, members != nil},
	} {
		switch {
		case m.want && !m.have:
			return invalid(memberPath(path, m.name), "missing")
		case !m.want && m.have:
			return invalid(memberPath(path, m.name), "not allowed in a "+typeName(g.Type))
		}
	}
	if wantArcs || wantCoords {
		d.placed = append(d.placed, placed{path: path, g: g})
	}
	return nil
}

// skip reads and discards one JSON value, of bounded nesting.
func (d *decoder) skip(path string) error {
	tok, err := d.token(path)
	if err != nil {
		return err
	}
	if tok != json.Delim('[') && tok != json.Delim('{') {
		return nil
	}
	for level := 1; level > 0; {
		tok, err := d.token(path)
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			if level == d.lim.MaxDepth {
				return tooLarge(path, fmt.Sprintf("nested more than %d deep", d.lim.MaxDepth))
			}
			level++
		case json.Delim(']'), json.Delim('}'):
			level--
		}
	}
	return nil
}

// check runs the checks that need the whole topology: quantized positions
// must be integers, and arc indexes must refer to arcs.
func (d *decoder) check(t *Topology) error {
	if t.Transform != nil {
		for i, arc := range t.Arcs {
			for j, p := range arc {
				for k, v := range p {
					if !isQuantized(v) {
						return invalid(indexPath(indexPath(indexPath("arcs", i), j), k),
							fmt.Sprintf("expected an integer in a quantized topology, got %v", v))
					}
				}
			}
		}
	}
	for _, pl := range d.placed {
		if t.Transform != nil {
			for j, p := range pl.g.Coordinates {
				if !isQuantized(p[0]) || !isQuantized(p[1]) {
					path := memberPath(pl.path, "coordinates")
					if pl.g.Type == TypeMultiPoint {
						path = indexPath(path, j)
					}
					return invalid(path, "expected integers in a quantized topology")
				}
			}
		}
		for a, part := range pl.g.Arcs {
			for b, seq := range part {
				for c, ref := range seq {
					if ref >= len(t.Arcs) || ^ref >= len(t.Arcs) {
						return invalid(refPath(pl.path, pl.g.Type, a, b, c),
							fmt.Sprintf("arc index %d out of range: the topology has %d arcs", ref, len(t.Arcs)))
					}
				}
			}
		}
	}
	return nil
}

func isQuantized(v float64) bool {
	return v == math.Trunc(v) && math.Abs(v) < maxIndex
}

// refPath returns the path of an arc index in a geometry's arcs member as
// the input spelled it, from its place in the normalised three levels.
func refPath(path, typ string, a, b, c int) string {
	path = memberPath(path, "arcs")
	switch typ {
	case TypeLineString:
		return indexPath(path, c)
	case TypeMultiLineString, TypePolygon:
		return indexPath(indexPath(path, b), c)
	default:
		return indexPath(indexPath(indexPath(path, a), b), c)
	}
}

// describe names the kind of a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return "the end of the " + map[json.Delim]string{']': "array", '}': "object"}[v]
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("the string %q", v)
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

func typeName(typ string) string {
	if typ == "" {
		return "null geometry"
	}
	return typ
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// memberPath returns the path of member name within the value at path.
func memberPath(path, name string) string {
	switch {
	case isIdentifier(name) && path == "":
		return name
	case isIdentifier(name):
		return path + "." + name
	}
	return path + "[" + strconv.Quote(name) + "]"
}
