package sim

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary reports a run.
type Summary struct {
	Options Options
	Speed   float64
	Stats
	// Reached is how far simulated time got.
	Reached     time.Time
	Wall        time.Duration
	Interrupted bool
	// Delivery is filled in by the caller when records went to a server.
	Delivery *DeliveryStats
}

// Write prints the summary for people, one topic a line.
func (s Summary) Write(w io.Writer) error {
	o := s.Options
	simulated := s.Reached.Sub(o.Start)
	if s.Reached.IsZero() {
		simulated = 0
	}
	var b strings.Builder
	status := "done"
	if s.Interrupted {
		status = "interrupted"
	}
	fmt.Fprintf(&b, "scenario     %s, seed %d, intensity %s, %s to %s: %s (%v simulated in %v",
		o.Scenario, o.Seed, o.Intensity, o.Start.UTC().Format(time.RFC3339), o.Start.Add(o.Duration).UTC().Format(time.RFC3339),
		status, simulated, s.Wall.Round(time.Millisecond))
	if s.Wall > 0 {
		fmt.Fprintf(&b, ", %.0fx real time", simulated.Seconds()/s.Wall.Seconds())
	}
	b.WriteString(")\n")
	n := s.Observations()
	fmt.Fprintf(&b, "observations %d (thermal_camera %d, patrol_gps %d; from actors %d, clutter %d; %d sent twice)",
		n, s.Camera, s.GPS, s.FromActors, s.Clutter, s.Duplicates)
	if simulated > 0 {
		fmt.Fprintf(&b, ", %.0f/s simulated", float64(n)/simulated.Seconds())
	}
	if s.Wall > 0 {
		fmt.Fprintf(&b, ", %.0f/s generated", float64(n)/s.Wall.Seconds())
	}
	fmt.Fprintf(&b, "\nheartbeats   %d\n", s.Heartbeats)
	fmt.Fprintf(&b, "actors       %d (", s.ActorCount())
	for i, t := range ActorTypes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", t, s.Actors[t])
	}
	fmt.Fprintf(&b, ")\ncrossings    %d (inbound %d, outbound %d; person %d, vehicle %d, animal %d)\n",
		s.Crossings(), s.Inbound, s.Outbound,
		s.CrossingsByClass[ClassPerson], s.CrossingsByClass[ClassVehicle], s.CrossingsByClass[ClassAnimal])
	fmt.Fprintf(&b, "outages      %d camera outages began\n", s.Outages)
	if d := s.Delivery; d != nil {
		fmt.Fprintf(&b, "sent         %d observations in %d batches, %d heartbeats in %d batches; retried %d times; failed %d observations, %d heartbeats\n",
			d.Observations.Records, d.Observations.Batches, d.Heartbeats.Records, d.Heartbeats.Batches,
			d.Observations.Retries+d.Heartbeats.Retries, d.Observations.FailedRecords, d.Heartbeats.FailedRecords)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
