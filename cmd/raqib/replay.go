package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"raqib/internal/eventlog"
	"raqib/internal/ingest"
	"raqib/internal/sensor"
	"raqib/internal/theater"
)

// runReplay writes the observations the log holds for a time window, as
// NDJSON in the ingest wire format, optionally only those in one sector.
// With the embedded log it opens the data directory itself: run it while
// the server is stopped, or give --nats-url to read a running cluster.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(os.Getenv, "RAQIB_DATA_DIR", "data"), "data directory of the server (RAQIB_DATA_DIR)")
	natsURL := fs.String("nats-url", envOr(os.Getenv, "RAQIB_NATS_URL", ""), "external NATS cluster holding the log (RAQIB_NATS_URL)")
	fromS := fs.String("from", "", "start of the window, RFC 3339 (required)")
	toS := fs.String("to", "", "end of the window, RFC 3339 (default: now)")
	sectorID := fs.String("sector", "", "keep only observations located in this sector")
	out := fs.String("out", "-", "output file, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("replay: unexpected argument %q: %w", fs.Arg(0), errUsage)
	}
	if *fromS == "" {
		return fmt.Errorf("replay: --from is required: %w", errUsage)
	}
	from, err := time.Parse(time.RFC3339, *fromS)
	if err != nil {
		return fmt.Errorf("replay: --from %q is not an RFC 3339 time", *fromS)
	}
	to := time.Now()
	if *toS != "" {
		if to, err = time.Parse(time.RFC3339, *toS); err != nil {
			return fmt.Errorf("replay: --to %q is not an RFC 3339 time", *toS)
		}
	}
	if !from.Before(to) {
		return fmt.Errorf("replay: --from %s is not before --to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	var th *theater.Theater
	if *sectorID != "" {
		if th, err = theater.Load(theater.Embedded()); err != nil {
			return fmt.Errorf("replay: theater: %w", err)
		}
		if th.Sector(*sectorID) == nil {
			return fmt.Errorf("replay: --sector %q is not a sector of the theater", *sectorID)
		}
	}
	if *natsURL == "" {
		if st, err := os.Stat(filepath.Join(*dataDir, "eventlog")); err != nil || !st.IsDir() {
			return fmt.Errorf("replay: %s holds no event log", *dataDir)
		}
	}
	log, err := eventlog.Open(ctx, eventlog.Config{Dir: filepath.Join(*dataDir, "eventlog"), URL: *natsURL})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer log.Close()

	w := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	n, err := replayObservations(ctx, log, from, to, th, *sectorID, bw)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
	}
	fmt.Fprintf(stderr, "replay: %d observations from %s to %s\n", n, from.Format(time.RFC3339), to.Format(time.RFC3339))
	return nil
}

func replayObservations(ctx context.Context, log *eventlog.Log, from, to time.Time, th *theater.Theater, sector string, w io.Writer) (int, error) {
	enc := json.NewEncoder(w)
	n := 0
	err := log.Replay(ctx, from, to, func(r eventlog.Record) error {
		if uint8(r.Kind) != ingest.RecordObservations {
			return nil
		}
		obs, err := sensor.DecodeEncoded(r.Payload, sensor.Limits{MaxBytes: 64 << 20})
		if err != nil {
			return fmt.Errorf("record %s: %w", r.Position, err)
		}
		for i := range obs {
			if sector != "" && !inSector(th, &obs[i], sector) {
				continue
			}
			if err := enc.Encode(&obs[i]); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// inSector reports whether the observation lies in the sector, resolving a
// bearing and range from the camera that reported it.
func inSector(th *theater.Theater, o *sensor.Observation, sector string) bool {
	var origin = o.Position
	if origin == nil {
		c := th.Camera(o.Sensor)
		if c == nil {
			return false
		}
		p := o.Resolve(c.Position)
		origin = &p
	}
	s := th.SectorOf(*origin)
	return s != nil && s.ID == sector
}
