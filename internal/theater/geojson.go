package theater

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"raqib/internal/errs"
	"raqib/internal/geo"
)

// Filter selects what FeatureCollection exports. Empty lists select
// everything.
type Filter struct {
	// Layers keeps the features of these layers.
	Layers []Layer
	// Sectors keeps the features that belong to, face or overlap one of
	// these sectors. The whole-border feature is left out when it is set.
	Sectors []string
}

// FeatureCollection is a GeoJSON FeatureCollection (RFC 7946).
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

// Feature is a GeoJSON Feature. Its id is "layer/record-id"; its
// properties hold the layer, the record's id and its attributes.
type Feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   Geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// Geometry is a GeoJSON Point, LineString or Polygon.
type Geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// Position is a GeoJSON position: longitude, latitude.
type Position [2]float64

// Geometry sampling.
const (
	bandStep     = 2000.0  // metres between samples of a polygon's offset edge
	normalWindow = 10000.0 // metres either side used to smooth the normal
	coordDigits  = 1e6     // coordinates are rounded to 1e-6 degree (~0.1 m)
)

// FeatureCollection exports the layers selected by f as GeoJSON, in layer
// order and, within a layer, in file order. The output is deterministic.
func (t *Theater) FeatureCollection(f Filter) (*FeatureCollection, error) {
	for _, l := range f.Layers {
		if !l.Valid() {
			return nil, errs.E(errs.Invalid, "unknown layer %q", l)
		}
	}
	for _, id := range f.Sectors {
		if t.Sector(id) == nil {
			return nil, errs.E(errs.NotFound, "unknown sector %q", id)
		}
	}
	fc := &FeatureCollection{Type: "FeatureCollection", Features: []Feature{}}
	for _, l := range Layers {
		if len(f.Layers) > 0 && !slices.Contains(f.Layers, l) {
			continue
		}
		feats, err := t.layerFeatures(l, f)
		if err != nil {
			return nil, fmt.Errorf("theater: export %s: %w", l, err)
		}
		fc.Features = append(fc.Features, feats...)
	}
	return fc, nil
}

// GeoJSON marshals FeatureCollection(f) with one feature per line, so
// that files written from it diff well.
func (t *Theater) GeoJSON(f Filter) ([]byte, error) {
	fc, err := t.FeatureCollection(f)
	if err != nil {
		return nil, err
	}
	return fc.Marshal()
}

// Marshal encodes the collection as JSON with one feature per line.
// Property keys are sorted, so the output is deterministic.
func (fc *FeatureCollection) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range fc.Features {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		data, err := json.Marshal(&fc.Features[i])
		if err != nil {
			return nil, fmt.Errorf("theater: marshal feature %s: %w", fc.Features[i].ID, err)
		}
		b.Write(data)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}

// layerFeatures builds one layer's features.
func (t *Theater) layerFeatures(l Layer, f Filter) ([]Feature, error) {
	keep := func(ids ...string) bool {
		if len(f.Sectors) == 0 {
			return true
		}
		for _, id := range ids {
			if slices.Contains(f.Sectors, id) {
				return true
			}
		}
		return false
	}
	var out []Feature
	add := func(id string, g Geometry, rec any, extra map[string]any) error {
		props, err := properties(rec)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		props["layer"], props["id"] = string(l), id
		for k, v := range extra {
			props[k] = v
		}
		out = append(out, Feature{Type: "Feature", ID: string(l) + "/" + id, Geometry: g, Properties: props})
		return nil
	}
	var err error
	switch l {
	case LayerBorder:
		if len(f.Sectors) == 0 {
			err = add(t.Border.ID, lineString(t.Border.Points), t.borderProps(), nil)
		}
	case LayerSectors, LayerSectorLines:
		err = t.sectorFeatures(l, keep, add)
	default:
		err = t.recordFeatures(l, keep, add)
	}
	return out, err
}

type keepFunc func(ids ...string) bool
type addFunc func(id string, g Geometry, rec any, extra map[string]any) error

func (t *Theater) sectorFeatures(l Layer, keep keepFunc, add addFunc) error {
	for _, s := range t.Sectors {
		if !keep(s.ID) {
			continue
		}
		extra := map[string]any{"length_km": round(s.LengthKm(), 1e3), "cameras": len(t.SectorCameras(s.ID))}
		g := lineString(t.Border.subLine(s.From(), s.To()))
		if l == LayerSectors {
			extra["depth_km"] = t.SectorDepthKm
			g = t.band(s.From(), s.To(), 0, t.SectorDepthKm*1000)
		}
		if err := add(s.ID, g, s, extra); err != nil {
			return err
		}
	}
	return nil
}

// recordFeatures builds the layers of records with their own geometry.
func (t *Theater) recordFeatures(l Layer, keep keepFunc, add addFunc) error {
	var err error
	each := func(ok bool, id string, g func() Geometry, rec any) {
		if err == nil && ok {
			err = add(id, g(), rec, nil)
		}
	}
	switch l {
	case LayerZones:
		for _, z := range t.Zones {
			each(keep(z.Sectors...), z.ID, func() Geometry {
				return t.band(z.FromKm*1000, z.ToKm*1000, -z.DepthKm*1000, z.DepthKm*1000)
			}, z)
		}
	case LayerBarriers:
		for _, b := range t.Barriers {
			each(keep(b.Sectors...), b.ID, func() Geometry {
				return lineString(t.Border.subLine(b.FromKm*1000, b.ToKm*1000))
			}, b)
		}
	case LayerCrossings:
		for _, x := range t.Crossings {
			each(keep(x.Sector), x.ID, func() Geometry { return point(x.Position) }, x)
		}
	case LayerPosts:
		for _, p := range t.Posts {
			each(keep(p.Sector), p.ID, func() Geometry { return point(p.Position) }, p)
		}
	case LayerBases:
		for _, b := range t.Bases {
			each(keep(b.Supports...), b.ID, func() Geometry { return point(b.Position) }, b)
		}
	case LayerCameras:
		for _, c := range t.Cameras {
			each(keep(c.Sector), c.ID, func() Geometry { return point(c.Position) }, c)
		}
	case LayerFacilities:
		for _, fa := range t.Facilities {
			each(keep(fa.Faces...), fa.ID, func() Geometry { return point(fa.Position) }, fa)
		}
	}
	return err
}

func (t *Theater) borderProps() map[string]any {
	b := t.Border
	return map[string]any{
		"name": b.Name, "source": b.Source, "version": b.Version, "licence": b.Licence,
		"iraq_side": string(b.IraqSide), "length_km": round(b.LengthKm(), 1e3),
	}
}

// properties turns a record into GeoJSON properties through its JSON
// form, leaving out the position (it is the geometry).
func properties(rec any) (map[string]any, error) {
	if m, ok := rec.(map[string]any); ok {
		return m, nil
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	delete(m, "position")
	return m, nil
}

// band is a polygon between two offset edges of the border (metres, > 0
// into Iraq) over a chainage range. An edge at offset 0 follows the line's
// vertices; other edges are sampled every bandStep along the smoothed
// normal.
func (t *Theater) band(from, to, near, far float64) Geometry {
	ring := t.edge(from, to, near)
	back := t.edge(from, to, far)
	slices.Reverse(back)
	ring = append(ring, back...)
	ring = append(ring, ring[0])
	if signedArea(ring) < 0 {
		slices.Reverse(ring)
	}
	return Geometry{Type: "Polygon", Coordinates: [][]Position{ring}}
}

// edge is the line between two chainages shifted by an offset.
func (t *Theater) edge(from, to, offset float64) []Position {
	if offset == 0 {
		return positions(t.Border.subLine(from, to))
	}
	window := math.Max(normalWindow, math.Abs(offset))
	n := max(1, int(math.Ceil((to-from)/bandStep)))
	out := make([]Position, 0, n+1)
	for i := 0; i <= n; i++ {
		ch := from + (to-from)*float64(i)/float64(n)
		out = append(out, pos(t.Border.OffsetPoint(ch, offset, window)))
	}
	return out
}

// signedArea is the ring's shoelace area in degrees², positive when it runs
// counterclockwise.
func signedArea(ring []Position) float64 {
	var a float64
	for i := 1; i < len(ring); i++ {
		a += ring[i-1][0]*ring[i][1] - ring[i][0]*ring[i-1][1]
	}
	return a / 2
}

func point(p geo.LatLon) Geometry { return Geometry{Type: "Point", Coordinates: pos(p)} }

func lineString(pts []geo.LatLon) Geometry {
	return Geometry{Type: "LineString", Coordinates: positions(pts)}
}

func positions(pts []geo.LatLon) []Position {
	out := make([]Position, len(pts))
	for i, p := range pts {
		out[i] = pos(p)
	}
	return out
}

func pos(p geo.LatLon) Position {
	return Position{round(p.Lon, coordDigits), round(p.Lat, coordDigits)}
}

// round rounds v to 1/scale, without a negative zero.
func round(v, scale float64) float64 {
	r := math.Round(v*scale) / scale
	if r == 0 {
		return 0
	}
	return r
}
