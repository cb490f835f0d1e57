package theater

import (
	"encoding/json"
	"fmt"
	"math"

	"raqib/internal/geo"
)

// Border is the border line with its provenance.
type Border struct {
	// File is the GeoJSON file the line was read from, relative to the
	// theater directory.
	File string `json:"file"`
	// ID, Name, Source, Version and Licence come from the feature's
	// properties.
	ID      string `json:"id"`
	Name    string `json:"name"`
	Source  string `json:"source"`
	Version string `json:"version"`
	Licence string `json:"licence"`
	// IraqSide says on which hand of the line's direction Iraq lies.
	IraqSide Hand `json:"iraq_side"`
	// Points are the line's vertices in order; Index answers distance, side
	// and chainage queries over them.
	Points []geo.LatLon   `json:"points"`
	Index  *geo.LineIndex `json:"-"`

	// fileIraqSide is the iraq_side property of the border file, if any.
	fileIraqSide Hand
}

// Length is the border's length in metres.
func (b *Border) Length() float64 { return b.Index.Length() }

// LengthKm is the border's length in kilometres.
func (b *Border) LengthKm() float64 { return b.Index.Length() / 1000 }

// signedDistance is positive on Iraq's side.
func (b *Border) signedDistance(p geo.LatLon) float64 {
	d := b.Index.Query(p).Distance
	if b.IraqSide == HandLeft {
		return -d
	}
	return d
}

// TowardIraq is the azimuth (degrees) of the normal pointing into Iraq at
// a chainage (metres), judged over ±window metres of the line so that its
// small wiggles do not swing it.
func (b *Border) TowardIraq(chainage, window float64) float64 {
	az := b.smoothAzimuth(chainage, window)
	if b.IraqSide == HandLeft {
		return normDeg(az - 90)
	}
	return normDeg(az + 90)
}

// smoothAzimuth is the azimuth of the chord from chainage-window to
// chainage+window, clamped to the line.
func (b *Border) smoothAzimuth(chainage, window float64) float64 {
	from := math.Max(0, chainage-window)
	to := math.Min(b.Length(), chainage+window)
	p, az := b.Index.At(from)
	q, _ := b.Index.At(to)
	if to-from < 1 {
		return az
	}
	_, azi, _ := geo.Inverse(p, q)
	return azi
}

// OffsetPoint is the point dist metres from the line at a chainage
// (metres), along the normal smoothed over ±window metres; a positive dist
// goes into Iraq, a negative one into Syria.
func (b *Border) OffsetPoint(chainage, dist, window float64) geo.LatLon {
	p, _ := b.Index.At(chainage)
	if dist == 0 {
		return p
	}
	q, _ := geo.Direct(p, b.TowardIraq(chainage, window), dist)
	return q
}

// subLine returns the part of the line between two chainages (metres):
// the interpolated end points and every vertex strictly between them.
func (b *Border) subLine(from, to float64) []geo.LatLon {
	from = math.Max(0, from)
	to = math.Min(b.Length(), to)
	start, _ := b.Index.At(from)
	out := []geo.LatLon{start}
	var cum float64
	for i := 1; i < len(b.Points); i++ {
		cum += geo.Distance(b.Points[i-1], b.Points[i])
		if cum > from+0.5 && cum < to-0.5 {
			out = append(out, b.Points[i])
		}
		if cum >= to {
			break
		}
	}
	end, _ := b.Index.At(to)
	return append(out, end)
}

func normDeg(a float64) float64 {
	a = math.Mod(a, 360)
	if a < 0 {
		a += 360
	}
	return a
}

// Limits on the border file: it is read whole into memory.
const (
	maxBorderPoints = 1 << 20
)

// geoJSONBorder is the part of a GeoJSON document a border file may hold:
// a FeatureCollection with one LineString feature, a single Feature, or a
// bare LineString geometry.
type geoJSONBorder struct {
	Type        string            `json:"type"`
	Features    []geoJSONBorder   `json:"features"`
	Geometry    *geoJSONBorder    `json:"geometry"`
	Properties  map[string]any    `json:"properties"`
	Coordinates []json.RawMessage `json:"coordinates"`
}

// parseBorder decodes a border GeoJSON file into a Border without an index.
func parseBorder(data []byte) (*Border, error) {
	var doc geoJSONBorder
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	feature := &doc
	switch doc.Type {
	case "FeatureCollection":
		var lines []*geoJSONBorder
		for i := range doc.Features {
			if g := doc.Features[i].Geometry; g != nil && g.Type == "LineString" {
				lines = append(lines, &doc.Features[i])
			}
		}
		if len(lines) != 1 {
			return nil, fmt.Errorf("want one LineString feature, found %d", len(lines))
		}
		feature = lines[0]
	case "Feature", "LineString":
	default:
		return nil, fmt.Errorf("type %q: want FeatureCollection, Feature or LineString", doc.Type)
	}
	geom := feature
	if feature.Type != "LineString" {
		geom = feature.Geometry
	}
	if geom == nil || geom.Type != "LineString" {
		return nil, fmt.Errorf("geometry is not a LineString")
	}
	if len(geom.Coordinates) > maxBorderPoints {
		return nil, fmt.Errorf("%d points: more than %d", len(geom.Coordinates), maxBorderPoints)
	}
	pts, err := decodePositions(geom.Coordinates)
	if err != nil {
		return nil, err
	}
	b := &Border{Points: pts}
	props := feature.Properties
	b.ID, b.Name, b.Source, b.Version = propString(props, "id"), propString(props, "name"), propString(props, "source"), propString(props, "version")
	b.Licence = propString(props, "licence")
	b.fileIraqSide = Hand(propString(props, "iraq_side"))
	if b.Licence == "" {
		b.Licence = propString(props, "license")
	}
	return b, nil
}

func decodePositions(raw []json.RawMessage) ([]geo.LatLon, error) {
	pts := make([]geo.LatLon, 0, len(raw))
	for i, r := range raw {
		var pos []float64
		if err := json.Unmarshal(r, &pos); err != nil || len(pos) < 2 {
			return nil, fmt.Errorf("coordinates[%d]: want [lon, lat]", i)
		}
		p := geo.LatLon{Lat: pos[1], Lon: pos[0]}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("coordinates[%d]: %w", i, err)
		}
		pts = append(pts, p)
	}
	if len(pts) < 2 {
		return nil, fmt.Errorf("a line needs at least 2 points, found %d", len(pts))
	}
	return pts, nil
}

func propString(props map[string]any, key string) string {
	switch v := props[key].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}
