// Package geo holds the geodesy of Raqib: positions on the WGS84 ellipsoid,
// geodesics between them, the transverse Mercator projection with the UTM
// and MGRS grids built on it, local metric frames, and a spatial index that
// answers distance, side and crossing questions about a polyline such as a
// border.
//
// Everything here uses the WGS84 ellipsoid. Angles are in degrees, lengths
// in metres and azimuths in degrees clockwise from north. The package depends
// on the standard library only.
package geo

import (
	"fmt"
	"math"
	"strconv"
)

// LatLon is a WGS84 position in degrees.
type LatLon struct {
	Lat float64 `json:"lat" yaml:"lat"`
	Lon float64 `json:"lon" yaml:"lon"`
}

// Validate reports whether p is a usable position: both coordinates finite,
// the latitude within [-90, 90] and the longitude within [-180, 180]. The
// error names the coordinate and its value.
func (p LatLon) Validate() error {
	if err := checkRange("lat", p.Lat, 90); err != nil {
		return err
	}
	return checkRange("lon", p.Lon, 180)
}

func checkRange(name string, v, limit float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %v is not a finite number", name, v)
	}
	if v < -limit || v > limit {
		return fmt.Errorf("%s: %v is out of range [%v, %v]", name, v, -limit, limit)
	}
	return nil
}

// String formats p as "lat,lon" in decimal degrees with 7 decimals
// (about a centimetre).
func (p LatLon) String() string {
	b := make([]byte, 0, 24)
	b = strconv.AppendFloat(b, p.Lat, 'f', 7, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Lon, 'f', 7, 64)
	return string(b)
}
