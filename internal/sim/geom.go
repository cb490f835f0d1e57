package sim

import (
	"math"

	"raqib/internal/geo"
)

// Local metric steps. Paths are built from legs of at most a kilometre or
// so, over which a flat frame scaled by the ellipsoid's radii of curvature
// at the start of the leg is true to centimetres.

const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84E2 = wgs84F * (2 - wgs84F)
	deg     = math.Pi / 180
)

// metresPerDegree returns the length in metres of a degree of latitude and
// of longitude at a latitude (degrees).
func metresPerDegree(lat float64) (mLat, mLon float64) {
	s, c := math.Sincos(lat * deg)
	w := 1 - wgs84E2*s*s
	n := wgs84A / math.Sqrt(w) // prime vertical radius
	m := n * (1 - wgs84E2) / w // meridian radius
	return m * deg, n * c * deg
}

// displace moves p by east and north metres.
func displace(p geo.LatLon, east, north float64) geo.LatLon {
	mLat, mLon := metresPerDegree(p.Lat)
	return geo.LatLon{Lat: p.Lat + north/mLat, Lon: p.Lon + east/mLon}
}

// offsetMetres returns b - a in east and north metres, measured at their
// mean latitude.
func offsetMetres(a, b geo.LatLon) (east, north float64) {
	mLat, mLon := metresPerDegree((a.Lat + b.Lat) / 2)
	return (b.Lon - a.Lon) * mLon, (b.Lat - a.Lat) * mLat
}

// lerp interpolates linearly in latitude and longitude, as the line index
// treats a track's legs.
func lerp(a, b geo.LatLon, f float64) geo.LatLon {
	return geo.LatLon{Lat: a.Lat + f*(b.Lat-a.Lat), Lon: a.Lon + f*(b.Lon-a.Lon)}
}

// toward returns the point dist metres from p on the azimuth (degrees),
// in the flat frame at p.
func toward(p geo.LatLon, azimuth, dist float64) geo.LatLon {
	s, c := math.Sincos(azimuth * deg)
	return displace(p, dist*s, dist*c)
}
