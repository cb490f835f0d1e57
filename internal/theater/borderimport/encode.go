package borderimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"raqib/internal/errs"
)

// Fixed properties of the border feature.
const (
	FeatureID = "border-iq-sy"
	name      = "Iraq–Syria border"
	dataset   = "Natural Earth 1:10m admin-0 countries"
	from      = "Jordan tripoint"
	to        = "Turkey tripoint"
)

// decimals is the number of decimal places written for each coordinate,
// about 0.1 m: far finer than the source, so rounding loses nothing.
const decimals = 6

// border is what encode writes.
type border struct {
	line     [][2]float64
	iraqSide string
	src      Source
}

// encode writes the border as a GeoJSON FeatureCollection in a fixed
// layout: members in a fixed order, one coordinate pair per line, each
// number with a fixed number of decimals, and a final newline.
func encode(b border) ([]byte, error) {
	coords := formatLine(b.line)
	if len(coords) < 2 {
		return nil, errs.E(errs.Invalid, "borderimport: the border has %d distinct vertices, expected 2 or more", len(coords))
	}
	props := []struct {
		key   string
		value any
	}{
		{"id", FeatureID},
		{"name", name},
		{"source", dataset},
		{"package", b.src.Package},
		{"version", b.src.Version},
		{"licence", "Natural Earth: public domain; " + b.src.Package + ": " + b.src.Licence},
		{"from", from},
		{"to", to},
		{"iraq_side", b.iraqSide},
		{"vertices", len(coords)},
	}

	var w bytes.Buffer
	w.WriteString("{\n")
	w.WriteString("  \"type\": \"FeatureCollection\",\n")
	w.WriteString("  \"features\": [\n")
	w.WriteString("    {\n")
	w.WriteString("      \"type\": \"Feature\",\n")
	fmt.Fprintf(&w, "      \"id\": %s,\n", quote(FeatureID))
	w.WriteString("      \"properties\": {\n")
	for k, p := range props {
		var v string
		switch p := p.value.(type) {
		case string:
			v = quote(p)
		case int:
			v = strconv.Itoa(p)
		}
		fmt.Fprintf(&w, "        %s: %s%s\n", quote(p.key), v, comma(k, len(props)))
	}
	w.WriteString("      },\n")
	w.WriteString("      \"geometry\": {\n")
	w.WriteString("        \"type\": \"LineString\",\n")
	w.WriteString("        \"coordinates\": [\n")
	for k, c := range coords {
		fmt.Fprintf(&w, "          [%s, %s]%s\n", c[0], c[1], comma(k, len(coords)))
	}
	w.WriteString("        ]\n")
	w.WriteString("      }\n")
	w.WriteString("    }\n")
	w.WriteString("  ]\n")
	w.WriteString("}\n")
	return w.Bytes(), nil
}

// formatLine formats each vertex's coordinates, dropping any vertex that
// rounds to the same text as the one before it.
func formatLine(line [][2]float64) [][2]string {
	out := make([][2]string, 0, len(line))
	for _, p := range line {
		c := [2]string{formatCoord(p[0]), formatCoord(p[1])}
		if len(out) > 0 && out[len(out)-1] == c {
			continue
		}
		out = append(out, c)
	}
	return out
}

var zero = strconv.FormatFloat(0, 'f', decimals, 64)

func formatCoord(v float64) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if s == "-"+zero {
		return zero
	}
	return s
}

// quote returns s as a JSON string, leaving non-ASCII text and HTML
// characters as they are.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func comma(k, n int) string {
	if k < n-1 {
		return ","
	}
	return ""
}
