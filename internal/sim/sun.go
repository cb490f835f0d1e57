package sim

import (
	"math"
	"time"

	"raqib/internal/geo"
)

// sunElevation is the sun's elevation above the horizon in degrees at a
// place and time, from the low-precision solar coordinates of the
// Astronomical Almanac (good to about 0.1 degree, plenty for day and
// night). Refraction is ignored.
func sunElevation(t time.Time, p geo.LatLon) float64 {
	d := float64(t.Unix())/86400 + 2440587.5 - 2451545.0 // days from J2000.0
	g := (357.529 + 0.98560028*d) * deg                  // mean anomaly
	q := 280.459 + 0.98564736*d                          // mean longitude, degrees
	l := (q + 1.915*math.Sin(g) + 0.020*math.Sin(2*g)) * deg
	e := (23.439 - 0.00000036*d) * deg // obliquity
	sinL, cosL := math.Sincos(l)
	ra := math.Atan2(math.Cos(e)*sinL, cosL)
	dec := math.Asin(math.Sin(e) * sinL)
	gmst := math.Mod(18.697374558+24.06570982441908*d, 24) * 15 * deg
	h := gmst + p.Lon*deg - ra
	lat := p.Lat * deg
	return math.Asin(math.Sin(lat)*math.Sin(dec)+math.Cos(lat)*math.Cos(dec)*math.Cos(h)) / deg
}

// daylight is 0 at night (sun more than 6 degrees below the horizon), 1 by
// day (more than 6 degrees above it) and linear through twilight.
func daylight(elevation float64) float64 {
	return math.Min(1, math.Max(0, (elevation+6)/12))
}

// nightWeight is how likely hostile movement is at a time, relative to the
// darkest hours: 1 at night, 0.12 by day.
func nightWeight(elevation float64) float64 {
	return 1 - 0.88*daylight(elevation)
}
