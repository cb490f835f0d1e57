// Package trackfile reads and writes the tracker's offline output: track
// updates and alerts as NDJSON, one record a line. `raqib track` writes
// them and `raqib score` reads them; docs/tracking-files.md describes the
// format for other tools.
//
// Records carry fixed decimals: FromUpdate and FromEvent round every value
// to them, the Writer writes them, and the readers round what they read,
// so a record read back equals the record written.
package trackfile

import (
	"math"
	"slices"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/jsonw"
	"raqib/internal/rules"
)

// The record types.
const (
	TypeTrack = "track"
	TypeAlert = "alert"
)

// The events of an alert record.
const (
	// AlertRaised: the alert was raised (a rule's condition began, or an
	// instant rule fired).
	AlertRaised = "raised"
	// AlertUpdated: the alert's track moved on under the same condition.
	AlertUpdated = "updated"
	// AlertEnded: the rule's condition ended.
	AlertEnded = "ended"
	// AlertEscalated: the alert's severity rose.
	AlertEscalated = "escalated"
)

// AlertEvents lists the alert events in a stable order.
var AlertEvents = []string{AlertRaised, AlertUpdated, AlertEnded, AlertEscalated}

// TrackEvents lists the track events, the names of fusion.UpdateKind.
var TrackEvents = []string{
	fusion.UpdateConfirmed.String(), fusion.UpdateMeasured.String(), fusion.UpdateCoasting.String(),
	fusion.UpdateMerged.String(), fusion.UpdateDeleted.String(),
}

// Decimals kept in the files.
const (
	latLonDecimals   = 7 // about 1 cm
	velocityDecimals = 3
	sigmaDecimals    = 1
	probDecimals     = 3
	chainageDecimals = 3 // kilometres: metres
	distanceDecimals = 1
	secondsDecimals  = 1
)

// TrackRecord is one update of one track.
type TrackRecord struct {
	Type string `json:"type"` // "track"
	// Event is what happened: confirmed, measured, coasting, merged or
	// deleted (the names of fusion.UpdateKind).
	Event string `json:"event"`
	ID    string `json:"id"`
	// Time is the time of the track's state, UTC with milliseconds.
	Time     time.Time `json:"time"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	EastMps  float64   `json:"east_mps"`
	NorthMps float64   `json:"north_mps"`
	// SigmaM is the position's 1-sigma error in metres, sqrt((Pxx+Pyy)/2).
	SigmaM   float64 `json:"sigma_m"`
	Class    string  `json:"class"`
	PPerson  float64 `json:"p_person"`
	PVehicle float64 `json:"p_vehicle"`
	PAnimal  float64 `json:"p_animal"`
	Count    int     `json:"count"`
	Friendly bool    `json:"friendly,omitempty"`
	Unit     string  `json:"unit,omitempty"`
	// MergedInto is the surviving track of a merged event.
	MergedInto string `json:"merged_into,omitempty"`
	// Obs are the observations applied in this update, "SENSOR/SEQ",
	// oldest first.
	Obs []string `json:"obs,omitempty"`
}

// FromUpdate makes the record of a tracker update, rounded to the file's
// decimals.
func FromUpdate(u fusion.Update) TrackRecord {
	t := &u.Track
	r := TrackRecord{
		Type:       TypeTrack,
		Event:      u.Kind.String(),
		ID:         t.ID,
		Time:       fileTime(t.Time),
		Lat:        jsonw.Round(t.Pos.Lat, latLonDecimals),
		Lon:        jsonw.Round(t.Pos.Lon, latLonDecimals),
		EastMps:    jsonw.Round(t.Vel.East, velocityDecimals),
		NorthMps:   jsonw.Round(t.Vel.North, velocityDecimals),
		SigmaM:     jsonw.Round(math.Sqrt(math.Max(0, (t.PosCov[0]+t.PosCov[2])/2)), sigmaDecimals),
		Class:      t.Class.String(),
		PPerson:    jsonw.Round(t.ClassProb[0], probDecimals),
		PVehicle:   jsonw.Round(t.ClassProb[1], probDecimals),
		PAnimal:    jsonw.Round(t.ClassProb[2], probDecimals),
		Count:      t.Count,
		Friendly:   t.Friendly,
		Unit:       t.Unit,
		MergedInto: u.MergedInto,
	}
	if len(u.Obs) > 0 {
		r.Obs = make([]string, len(u.Obs))
		for i, o := range u.Obs {
			r.Obs[i] = o.String()
		}
	}
	return r
}

// AlertRecord is one event in the life of one alert.
type AlertRecord struct {
	Type string `json:"type"` // "alert"
	// Event is raised, updated, ended (the rule's condition ended) or
	// escalated.
	Event string `json:"event"`
	ID    int64  `json:"id"`
	// Time is the time of the rule event: the track update's sensor time.
	Time     time.Time `json:"time"`
	Rule     string    `json:"rule"`
	Phase    string    `json:"phase"`
	Severity string    `json:"severity"`
	Track    string    `json:"track"`
	// Members lists a group's tracks.
	Members    []string `json:"members,omitempty"`
	Lat        float64  `json:"lat"`
	Lon        float64  `json:"lon"`
	Sector     string   `json:"sector"`
	ChainageKm float64  `json:"chainage_km"`
	// DistanceM is the signed distance to the line, > 0 inside Iraq.
	DistanceM         float64    `json:"distance_m"`
	PredictedCrossing *time.Time `json:"predicted_crossing,omitempty"`
	CrossingSigmaS    float64    `json:"crossing_sigma_s,omitempty"`
	Zone              string     `json:"zone,omitempty"`
	Barrier           string     `json:"barrier,omitempty"`
	Crossing          string     `json:"crossing,omitempty"`
	Class             string     `json:"class"`
	Count             int        `json:"count"`
	Summary           string     `json:"summary"`
	// Evidence are the observations behind the alert, "SENSOR/SEQ".
	Evidence []string `json:"evidence,omitempty"`
}

// FromEvent makes the record of an alert's event (AlertRaised and so on)
// caused by a rule event, rounded to the file's decimals.
func FromEvent(id int64, event string, e rules.Event) AlertRecord {
	r := AlertRecord{
		Type:       TypeAlert,
		Event:      event,
		ID:         id,
		Time:       fileTime(e.Time),
		Rule:       string(e.Rule),
		Phase:      string(e.Phase),
		Severity:   string(e.Severity),
		Track:      e.Track,
		Members:    slices.Clone(e.Members),
		Lat:        jsonw.Round(e.Pos.Lat, latLonDecimals),
		Lon:        jsonw.Round(e.Pos.Lon, latLonDecimals),
		Sector:     e.Sector,
		ChainageKm: jsonw.Round(e.Chainage/1000, chainageDecimals),
		DistanceM:  jsonw.Round(e.Distance, distanceDecimals),
		Zone:       e.Zone,
		Barrier:    e.Barrier,
		Crossing:   e.Crossing,
		Class:      e.Class.String(),
		Count:      e.Count,
		Summary:    e.Summary,
	}
	if len(r.Members) == 0 {
		r.Members = nil
	}
	if !e.PredictedCrossing.IsZero() {
		pc := fileTime(e.PredictedCrossing)
		r.PredictedCrossing = &pc
		r.CrossingSigmaS = jsonw.Round(e.CrossingSigma.Seconds(), secondsDecimals)
	}
	if len(e.Evidence) > 0 {
		r.Evidence = make([]string, len(e.Evidence))
		for i, o := range e.Evidence {
			r.Evidence[i] = o.String()
		}
	}
	return r
}

// fileTime is t as the files hold it: UTC, truncated to the millisecond.
func fileTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
