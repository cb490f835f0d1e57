package topojson

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// scanner reads the nested number arrays of a topology: its arcs and its
// geometries' arc indexes and coordinates. encoding/json's token stream
// costs an allocation and a reflective decode per number, too slow for the
// half a million positions of a world map, so such a member is read whole
// (its size bounded by MaxBytes, its syntax checked by encoding/json) and
// then scanned here. As the bytes are known to be valid JSON, the scanner
// need only check their shape.
type scanner struct {
	b []byte
	i int
}

// raw reads the next value whole, for a scanner.
func (d *decoder) raw(path string) (*scanner, error) {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, d.fail(path, err)
	}
	return &scanner{b: raw}, nil
}

// close consumes the ']' that more left unread.
func (s *scanner) close() { s.i++ }

// skipSpace skips white space and the commas between values, which valid
// JSON puts only where they belong.
func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r', ',':
			s.i++
		default:
			return
		}
	}
}

// open consumes a '[' if one comes next.
func (s *scanner) open() bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '[' {
		s.i++
		return true
	}
	return false
}

// more reports whether the current array has another element; at its end it
// leaves the ']' unread.
func (s *scanner) more() bool {
	s.skipSpace()
	return s.i < len(s.b) && s.b[s.i] != ']'
}

// number scans a number if one comes next. Integers of up to 15 digits, the
// whole of a quantized topology, are converted without strconv.
func (s *scanner) number() (float64, bool, error) {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		s.i++
	}
	lit := s.b[start:s.i]
	if len(lit) == 0 {
		return 0, false, nil
	}
	digits, neg := lit, false
	if digits[0] == '-' {
		digits, neg = digits[1:], true
	}
	if len(digits) > 0 && len(digits) <= 15 {
		var v int64
		for _, c := range digits {
			if c < '0' || c > '9' {
				goto general
			}
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return float64(v), true, nil
	}
general:
	v, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return 0, true, fmt.Errorf("number %s out of range", lit)
	}
	return v, true, nil
}

// describe names the kind of value that comes next, for an error message.
func (s *scanner) describe() string {
	s.skipSpace()
	if s.i >= len(s.b) {
		return "nothing"
	}
	switch c := s.b[s.i]; c {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case ']':
		return "the end of the array"
	default:
		return "a number"
	}
}
