package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// MGRS: a UTM grid zone designator (zone number and an 8-degree latitude
// band letter), a 100 km square named by a column and a row letter, and the
// easting and northing within the square with 1 to 5 digits each. For
// example "37S FU 83793 05990" names a 1 m square near al-Qa'im. References
// name squares, so coordinates are truncated, not rounded. Only the UTM part
// of MGRS (latitudes -80 to 84) is handled; the polar UPS bands A, B, Y and
// Z are rejected.

const (
	mgrsBands = "CDEFGHJKLMNPQRSTUVWX" // 8-degree bands from -80; X spans 72..84
	mgrsRows  = "ABCDEFGHJKLMNPQRSTUV" // row letters, cycling every 2000 km
	maxMGRS   = 64                     // longest input ParseMGRS looks at
)

// mgrsCols are the column letters of zones 1, 2 and 3 (mod 3) for the
// columns at eastings 100 km to 900 km.
var mgrsCols = [3]string{"ABCDEFGH", "JKLMNPQR", "STUVWXYZ"}

// mgrsSlack (metres) is added to eastings and northings before truncation so
// that the south-west corner returned by ParseMGRS, which the projection
// reproduces only to within nanometres, formats back to the same square.
const mgrsSlack = 1e-6

// mgrsRef is a parsed MGRS reference.
type mgrsRef struct {
	zone        int
	band        byte // one of mgrsBands
	col, row    byte // 100 km square letters
	digits      int  // 0..5 digits per coordinate
	east, north int  // within the square, in units of 10^(5-digits) m
}

// String returns the reference in the canonical spaced form, e.g.
// "37S FU 83793 05990", or "37S FU" for 0 digits.
func (r mgrsRef) String() string {
	var buf [24]byte
	return string(r.appendTo(buf[:0]))
}

func (r mgrsRef) appendTo(b []byte) []byte {
	if r.zone < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(r.zone), 10)
	b = append(b, r.band, ' ', r.col, r.row)
	if r.digits == 0 {
		return b
	}
	b = append(b, ' ')
	b = appendPadded(b, r.east, r.digits)
	b = append(b, ' ')
	return appendPadded(b, r.north, r.digits)
}

// appendPadded appends v with leading zeros to width digits.
func appendPadded(b []byte, v, width int) []byte {
	var tmp [8]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

// FormatMGRS returns the MGRS reference of the square of 10^(5-digits)
// metres holding p, with digits (1..5) digits per coordinate, spaced as
// "37S FU 83793 05990". The zone number always has two digits.
func FormatMGRS(p LatLon, digits int) (string, error) {
	if digits < 1 || digits > 5 {
		return "", fmt.Errorf("mgrs: digits %d is out of range [1, 5]", digits)
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("mgrs: %w", err)
	}
	if p.Lat < utmMinLat || p.Lat > utmMaxLat {
		return "", fmt.Errorf("mgrs: lat %v is outside the UTM area [-80, 84]; polar (UPS) references are not supported", p.Lat)
	}
	zone := utmZone(p.Lat, p.Lon)
	r, err := mgrsInZone(p, zone, mgrsBands[bandIndex(p.Lat)], digits)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

// bandIndex returns the index in mgrsBands of the band holding lat, a
// latitude in [-80, 84].
func bandIndex(lat float64) int {
	i := int(math.Floor((lat - utmMinLat) / 8))
	return max(0, min(i, len(mgrsBands)-1))
}

// mgrsInZone returns the reference of p in the given zone and band, which
// need not be the ones p lies in.
func mgrsInZone(p LatLon, zone int, band byte, digits int) (mgrsRef, error) {
	e, n := utmProject(zone, band >= 'N', p)
	ei := int64(math.Floor(e + mgrsSlack))
	ni := int64(math.Floor(n + mgrsSlack))
	col := ei / 100e3
	if col < 1 || col > 8 || ni < 0 {
		return mgrsRef{}, fmt.Errorf("mgrs: %v is too far from zone %d", p, zone)
	}
	unit := int64(math.Pow10(5 - digits))
	row := (ni / 100e3) % 20
	if zone%2 == 0 {
		row = (row + 5) % 20
	}
	return mgrsRef{
		zone:   zone,
		band:   band,
		col:    mgrsCols[(zone-1)%3][col-1],
		row:    mgrsRows[row],
		digits: digits,
		east:   int(ei % 100e3 / unit),
		north:  int(ni % 100e3 / unit),
	}, nil
}

// ParseMGRS returns the south-west corner of the square named by an MGRS
// reference. Spaces are optional ("37SFU8379305990" and
// "37S FU 83793 05990" are the same), letters may be in either case, the
// zone may have one or two digits, and the easting and northing may have 0
// to 5 digits each (0 names the whole 100 km square). The square must
// overlap its latitude band; it is not checked against the longitudes of
// its zone, since squares at zone edges are legitimately partial.
func ParseMGRS(s string) (LatLon, error) {
	r, err := parseMGRS(s)
	if err != nil {
		return LatLon{}, err
	}
	return r.southWest()
}

// parseMGRS checks the syntax of a reference and returns its parts.
func parseMGRS(s string) (mgrsRef, error) {
	if len(s) > maxMGRS {
		return mgrsRef{}, fmt.Errorf("mgrs: reference is longer than %d bytes", maxMGRS)
	}
	var r mgrsRef
	rest := strings.TrimLeft(s, " \t")
	i := 0
	for i < len(rest) && i < 3 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	switch {
	case i == 0:
		return r, errors.New("mgrs: missing zone number")
	case i == 3:
		return r, fmt.Errorf("mgrs: zone number %q has more than 2 digits", rest[:i])
	}
	r.zone, _ = strconv.Atoi(rest[:i])
	if r.zone < 1 || r.zone > 60 {
		return r, fmt.Errorf("mgrs: zone %d is out of range [1, 60]", r.zone)
	}
	rest = rest[i:]
	var err error
	if r.band, rest, err = nextLetter(rest, "band letter"); err != nil {
		return r, err
	}
	if err := checkBand(r.band); err != nil {
		return r, err
	}
	if r.col, rest, err = nextLetter(rest, "100 km square column letter"); err != nil {
		return r, err
	}
	if strings.IndexByte(mgrsCols[(r.zone-1)%3], r.col) < 0 {
		return r, fmt.Errorf("mgrs: column letter '%c' is not used in zone %d (it takes %s)", r.col, r.zone, mgrsCols[(r.zone-1)%3])
	}
	if r.row, rest, err = nextLetter(rest, "100 km square row letter"); err != nil {
		return r, err
	}
	if strings.IndexByte(mgrsRows, r.row) < 0 {
		return r, fmt.Errorf("mgrs: row letter '%c' is invalid (rows are A-V without I and O)", r.row)
	}
	r.digits, r.east, r.north, err = parseMGRSDigits(rest)
	return r, err
}

// nextLetter skips blanks and returns the next byte, upper-cased, which
// must be a letter.
func nextLetter(s, what string) (byte, string, error) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return 0, s, fmt.Errorf("mgrs: missing %s", what)
	}
	c := s[0]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	if c < 'A' || c > 'Z' {
		return 0, s, fmt.Errorf("mgrs: %s %q is not a letter", what, rune(s[0]))
	}
	return c, s[1:], nil
}

func checkBand(c byte) error {
	switch {
	case c == 'A' || c == 'B' || c == 'Y' || c == 'Z':
		return fmt.Errorf("mgrs: band letter '%c' is a polar (UPS) band; UPS references are not supported", c)
	case strings.IndexByte(mgrsBands, c) < 0:
		return fmt.Errorf("mgrs: band letter '%c' is invalid", c)
	}
	return nil
}

// parseMGRSDigits parses the easting and northing: either one run of an
// even number of digits or two blank-separated runs of equal length, with
// at most 5 digits each.
func parseMGRSDigits(s string) (digits, east, north int, err error) {
	fields, nf := splitBlanks(s)
	var e, n string
	switch nf {
	case 0:
		return 0, 0, 0, nil
	case 1:
		f := fields[0]
		if err := checkDigits(f); err != nil {
			return 0, 0, 0, err
		}
		if len(f)%2 != 0 {
			return 0, 0, 0, fmt.Errorf("mgrs: easting and northing differ in length (%d digits in all)", len(f))
		}
		e, n = f[:len(f)/2], f[len(f)/2:]
	case 2:
		e, n = fields[0], fields[1]
		if err := checkDigits(e); err != nil {
			return 0, 0, 0, err
		}
		if err := checkDigits(n); err != nil {
			return 0, 0, 0, err
		}
		if len(e) != len(n) {
			return 0, 0, 0, fmt.Errorf("mgrs: easting and northing differ in length (%d and %d digits)", len(e), len(n))
		}
	default:
		return 0, 0, 0, fmt.Errorf("mgrs: %d groups of digits after the 100 km square; want one or two", nf)
	}
	if len(e) > 5 {
		return 0, 0, 0, fmt.Errorf("mgrs: easting and northing have %d digits each; at most 5 are allowed", len(e))
	}
	east, _ = strconv.Atoi(e)
	north, _ = strconv.Atoi(n)
	return len(e), east, north, nil
}

// splitBlanks returns the first three blank-separated fields of s and
// the number of fields (which may be more than three).
func splitBlanks(s string) (f [3]string, n int) {
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return f, n
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		if n < len(f) {
			f[n] = s[:end]
		}
		n++
		s = s[end:]
	}
}

func checkDigits(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("mgrs: unexpected character %q in easting and northing", rune(s[i]))
		}
	}
	return nil
}

// unit returns the side of the square in metres.
func (r mgrsRef) unit() float64 { return math.Pow10(5 - r.digits) }

// southWest returns the south-west corner of the square, after checking
// that the square overlaps its latitude band.
func (r mgrsRef) southWest() (LatLon, error) {
	north := r.band >= 'N'
	bi := strings.IndexByte(mgrsBands, r.band)
	e := float64(strings.IndexByte(mgrsCols[(r.zone-1)%3], r.col)+1)*100e3 + float64(r.east)*r.unit()
	row := strings.IndexByte(mgrsRows, r.row)
	if r.zone%2 == 0 {
		row = (row + 15) % 20
	}
	n := float64(row)*100e3 + float64(r.north)*r.unit()
	// Row letters repeat every 2000 km: take the cycle nearest the middle
	// of the band.
	mid := bandMidNorthing()[bi]
	n += 2000e3 * math.Round((mid-n)/2000e3)
	if n < 0 {
		n += 2000e3
	}
	sw := utmUnproject(r.zone, north, e, n)
	if !r.overlapsBand(sw, e, n, bi) {
		south := utmMinLat + 8*float64(bi)
		return LatLon{}, fmt.Errorf("mgrs: square %s lies outside latitude band %c (%v to %v)",
			r.String(), r.band, south, south+bandHeight(bi))
	}
	return sw, nil
}

// overlapsBand reports whether the square with south-west corner sw at
// (e, n) overlaps latitude band bi.
func (r mgrsRef) overlapsBand(sw LatLon, e, n float64, bi int) bool {
	const tol = 1e-10 // degrees, about 10 micrometres
	south := utmMinLat + 8*float64(bi)
	north := south + bandHeight(bi)
	inBand := func(lat float64) bool { return lat >= south-tol && lat <= north+tol }
	if inBand(sw.Lat) {
		return true
	}
	u := r.unit()
	lo, hi := sw.Lat, sw.Lat
	for _, c := range [3][2]float64{{e + u, n}, {e, n + u}, {e + u, n + u}} {
		lat := utmUnproject(r.zone, r.band >= 'N', c[0], c[1]).Lat
		lo, hi = math.Min(lo, lat), math.Max(hi, lat)
	}
	return hi >= south-tol && lo <= north+tol
}

func bandHeight(bi int) float64 {
	if bi == len(mgrsBands)-1 {
		return 12 // band X
	}
	return 8
}

// bandMidNorthing returns, for each band, the UTM northing of its middle
// latitude on a central meridian.
var bandMidNorthing = sync.OnceValue(func() [len(mgrsBands)]float64 {
	var t [len(mgrsBands)]float64
	for i := range t {
		lat := utmMinLat + 8*float64(i) + bandHeight(i)/2
		_, t[i] = utmProject(31, lat >= 0, LatLon{Lat: lat, Lon: 3})
	}
	return t
})
