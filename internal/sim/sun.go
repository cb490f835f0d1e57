package sim

import (
	"math"
	"time"

	"raqib/internal/geo"
)

// sunElevation is the sun's elevation above the horizon in degrees.
func sunElevation(t time.Time, p geo.LatLon) float64 { return geo.SunElevation(t, p) }

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
