package geo

import (
	"fmt"
	"math"
)

// UTM: transverse Mercator zones 6 degrees wide with scale 0.9996 on the
// central meridian, a false easting of 500 km and, south of the equator, a
// false northing of 10000 km. The zones cover latitudes -80 to 84 degrees;
// the polar regions (UPS) are not handled.

const (
	utmK0            = 0.9996
	utmFalseEasting  = 500e3
	utmFalseNorthing = 10000e3 // southern hemisphere
	utmMinLat        = -80.0
	utmMaxLat        = 84.0
)

// ToUTM returns the UTM zone (1..60), the hemisphere (north is true for
// latitudes >= 0), and the easting and northing in metres of p. The zone is
// the standard one, including the Norway (32V) and Svalbard (31X, 33X, 35X,
// 37X) exceptions. Points outside latitudes [-80, 84] are an error.
func ToUTM(p LatLon) (zone int, north bool, easting, northing float64, err error) {
	if err := p.Validate(); err != nil {
		return 0, false, 0, 0, fmt.Errorf("utm: %w", err)
	}
	if p.Lat < utmMinLat || p.Lat > utmMaxLat {
		return 0, false, 0, 0, fmt.Errorf("utm: lat %v is outside the UTM area [-80, 84]", p.Lat)
	}
	zone = utmZone(p.Lat, p.Lon)
	north = p.Lat >= 0
	easting, northing = utmProject(zone, north, p)
	return zone, north, easting, northing, nil
}

// FromUTM returns the position with the given UTM coordinates. The easting
// must lie in [0, 1000000] and the northing in [0, 10000000]; positions a
// little outside their zone (as at zone edges) are converted as given.
func FromUTM(zone int, north bool, easting, northing float64) (LatLon, error) {
	if zone < 1 || zone > 60 {
		return LatLon{}, fmt.Errorf("utm: zone %d is out of range [1, 60]", zone)
	}
	if !(easting >= 0 && easting <= 1e6) {
		return LatLon{}, fmt.Errorf("utm: easting %v is out of range [0, 1000000]", easting)
	}
	if !(northing >= 0 && northing <= 10e6) {
		return LatLon{}, fmt.Errorf("utm: northing %v is out of range [0, 10000000]", northing)
	}
	return utmUnproject(zone, north, easting, northing), nil
}

// utmZone returns the standard zone of a valid position inside the UTM
// area.
func utmZone(lat, lon float64) int {
	zone := int(math.Floor((lon+180)/6)) + 1
	if zone > 60 {
		zone = 60 // longitude 180
	}
	switch {
	case lat >= 56 && lat < 64 && lon >= 3 && lon < 12:
		zone = 32 // Norway
	case lat >= 72 && lon >= 0 && lon < 42:
		// Svalbard: zones 31, 33, 35 and 37 are widened to 9 or 12 degrees.
		zone = 2*int((lon+3)/12) + 31
	}
	return zone
}

// centralMeridian returns the longitude of the central meridian of zone.
func centralMeridian(zone int) float64 { return float64(6*zone - 183) }

// utmProject returns the easting and northing of p in the given zone.
func utmProject(zone int, north bool, p LatLon) (easting, northing float64) {
	x, y := tmWGS84.forward(centralMeridian(zone), p.Lat, p.Lon)
	easting = utmFalseEasting + utmK0*x
	northing = utmK0 * y
	if !north {
		northing += utmFalseNorthing
	}
	return easting, northing
}

// utmUnproject inverts utmProject.
func utmUnproject(zone int, north bool, easting, northing float64) LatLon {
	y := northing
	if !north {
		y -= utmFalseNorthing
	}
	lat, lon := tmWGS84.reverse(centralMeridian(zone), (easting-utmFalseEasting)/utmK0, y/utmK0)
	return LatLon{Lat: lat, Lon: lon}
}
