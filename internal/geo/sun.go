package geo

import (
	"math"
	"time"
)

// SunElevation is the sun's elevation above the horizon in degrees at a
// place and time, from the low-precision solar coordinates of the
// Astronomical Almanac (good to about 0.1 degree, plenty for day and
// night). Refraction is ignored.
func SunElevation(t time.Time, p LatLon) float64 {
	const deg = math.Pi / 180
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

// IsNight reports whether the sun is more than 6 degrees below the horizon
// (past civil twilight) at a place and time.
func IsNight(t time.Time, p LatLon) bool { return SunElevation(t, p) < -6 }
