package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"raqib/internal/alert"
	"raqib/internal/fusion"
	"raqib/internal/ingest"
	"raqib/internal/pipeline"
	"raqib/internal/rules"
	"raqib/internal/sensor"
	"raqib/internal/store/sqlite"
	"raqib/internal/theater"
	"raqib/internal/trackfile"
)

// trackOptions are the flags of raqib track.
type trackOptions struct {
	in, out, alerts, rulesFile, theaterDir string
	batch, shards                          int
}

// runTrack runs an observation file through the live pipeline's code —
// dedupe, fusion, rules and the alert service on a scratch SQLite store —
// and writes the track updates and the alerts as NDJSON. The output is the
// same bytes for the same input and flags.
func runTrack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("track", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o trackOptions
	fs.StringVar(&o.in, "in", "", "observations, NDJSON in the ingest wire format (plain or gzip; - for standard input) (required)")
	fs.StringVar(&o.out, "out", "", "track updates as NDJSON (required)")
	fs.StringVar(&o.alerts, "alerts", "", "alerts as NDJSON (optional)")
	fs.StringVar(&o.rulesFile, "rules", "", "rules configuration YAML (default: the built-in one)")
	fs.StringVar(&o.theaterDir, "theater", "", "theater directory (default: the embedded Iraq–Syria theater)")
	fs.IntVar(&o.batch, "batch", 500, "observations per pipeline step, as the server receives them (1 to 10000)")
	fs.IntVar(&o.shards, "shards", runtime.GOMAXPROCS(0), "tracker shards along the border (1 to 64); the output does not depend on it for tracks away from shard edges")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bad []string
	if fs.NArg() > 0 {
		bad = append(bad, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if o.in == "" {
		bad = append(bad, "--in is required")
	}
	if o.out == "" {
		bad = append(bad, "--out is required")
	}
	if o.batch < 1 || o.batch > 10000 {
		bad = append(bad, fmt.Sprintf("--batch %d: must be 1 to 10000", o.batch))
	}
	if o.shards < 1 || o.shards > 64 {
		bad = append(bad, fmt.Sprintf("--shards %d: must be 1 to 64", o.shards))
	}
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(stderr, "track:", b)
		}
		return fmt.Errorf("track: %d bad flags: %w", len(bad), errUsage)
	}
	sum, err := track(ctx, o, stderr)
	if err != nil {
		return fmt.Errorf("track: %w", err)
	}
	fmt.Fprintf(stderr, "observations %d (%d duplicates, %d skipped) in %d steps, %.1fs\n",
		sum.observations, sum.duplicates, sum.skipped, sum.steps, sum.elapsed.Seconds())
	fmt.Fprintf(stderr, "tracks       %d confirmed (%d updates)\n", sum.confirmed, sum.updates)
	fmt.Fprintf(stderr, "alerts       %d raised from %d rule events\n", sum.raised, sum.events)
	return nil
}

type trackSummary struct {
	observations, duplicates, skipped, steps int
	updates, confirmed, events, raised       int
	elapsed                                  time.Duration
}

func track(ctx context.Context, o trackOptions, stderr io.Writer) (sum trackSummary, err error) {
	start := time.Now()
	fsys, source := theaterFS(o.theaterDir)
	th, err := theater.Load(fsys)
	if err != nil {
		return sum, fmt.Errorf("load theater from %s: %w", source, err)
	}
	rcfg := rules.DefaultConfig()
	if o.rulesFile != "" {
		data, err := os.ReadFile(o.rulesFile)
		if err != nil {
			return sum, fmt.Errorf("read rules: %w", err)
		}
		if rcfg, err = rules.ParseConfig(o.rulesFile, data, th); err != nil {
			return sum, err
		}
	}
	in, err := openInput(o.in)
	if err != nil {
		return sum, err
	}
	defer in.Close()

	scratch, err := os.MkdirTemp("", "raqib-track-")
	if err != nil {
		return sum, fmt.Errorf("scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := sqlite.Open(ctx, filepath.Join(scratch, "alerts.db"), logger)
	if err != nil {
		return sum, fmt.Errorf("scratch store: %w", err)
	}
	defer db.Close()
	alerts, err := alert.NewService(db, alert.Config{}, logger)
	if err != nil {
		return sum, err
	}
	p, err := pipeline.New(pipeline.Config{
		Theater: th,
		Fusion:  pipeline.FusionConfig(th, o.shards),
		Rules:   rcfg,
		Alerts:  alerts,
		Logger:  logger,
	})
	if err != nil {
		return sum, err
	}
	defer p.Close()

	tracksOut, err := newAtomicFile(o.out)
	if err != nil {
		return sum, err
	}
	defer tracksOut.abort()
	tw := trackfile.NewWriter(tracksOut.w)
	var aw *trackfile.Writer
	var alertsOut *atomicFile
	if o.alerts != "" {
		if alertsOut, err = newAtomicFile(o.alerts); err != nil {
			return sum, err
		}
		defer alertsOut.abort()
		aw = trackfile.NewWriter(alertsOut.w)
	}
	emit := func(res pipeline.Result) error {
		sum.updates += len(res.Updates)
		sum.events += len(res.Events)
		for _, u := range res.Updates {
			if u.Kind == fusion.UpdateConfirmed {
				sum.confirmed++
			}
			if err := tw.Track(trackfile.FromUpdate(u)); err != nil {
				return fmt.Errorf("write tracks: %w", err)
			}
		}
		for _, ch := range res.Changes {
			if ch.Kind == "raised" {
				sum.raised++
			}
			if aw == nil {
				continue
			}
			rec, ok := alertRecord(ch)
			if !ok {
				continue
			}
			if err := aw.Alert(rec); err != nil {
				return fmt.Errorf("write alerts: %w", err)
			}
		}
		return nil
	}

	dedupe := ingest.NewDedupe()
	lines := newLineBatcher(in, o.in, o.batch)
	var latest, lastTick time.Time
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		chunk, first, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		obs, err := sensor.DecodeBatch(bytes.NewReader(chunk), "application/x-ndjson", "", sensor.Limits{}, time.Time{})
		if err != nil {
			return sum, fmt.Errorf("%s: %w", o.in, lineError(err, first))
		}
		obs, dups := dropDuplicates(dedupe, obs)
		sum.duplicates += dups
		sum.observations += len(obs)
		sum.steps++
		for i := range obs {
			if obs[i].Time.After(latest) {
				latest = obs[i].Time
			}
		}
		res, err := p.Process(ctx, obs, uint64(sum.steps))
		sum.skipped += res.Skipped
		if err != nil {
			return sum, err
		}
		if err := emit(res); err != nil {
			return sum, err
		}
		if latest.Sub(lastTick) >= time.Second {
			lastTick = latest
			res, err := p.Advance(ctx, latest, uint64(sum.steps))
			if err != nil {
				return sum, err
			}
			if err := emit(res); err != nil {
				return sum, err
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return sum, fmt.Errorf("write tracks: %w", err)
	}
	if err := tracksOut.commit(); err != nil {
		return sum, err
	}
	if aw != nil {
		if err := aw.Flush(); err != nil {
			return sum, fmt.Errorf("write alerts: %w", err)
		}
		if err := alertsOut.commit(); err != nil {
			return sum, err
		}
	}
	sum.elapsed = time.Since(start)
	return sum, nil
}

// dropDuplicates removes observations whose (sensor, seq) was already seen,
// as the server's ingest does.
func dropDuplicates(d *ingest.Dedupe, obs []sensor.Observation) ([]sensor.Observation, int) {
	keys := make([]ingest.Key, len(obs))
	for i := range obs {
		keys[i] = ingest.Key{Sensor: obs[i].Sensor, Seq: obs[i].Seq}
	}
	res, fresh, dups, err := d.Reserve(keys, nil)
	if err != nil {
		return obs, 0
	}
	d.Commit(res)
	if len(dups) == 0 {
		return obs, 0
	}
	out := make([]sensor.Observation, 0, len(fresh))
	for _, i := range fresh {
		out = append(out, obs[i])
	}
	return out, len(dups)
}

// lineError renumbers a batch decoder's problems to the file's lines.
func lineError(err error, firstLine int) error {
	var be *sensor.BatchError
	if !errors.As(err, &be) || len(be.Problems) == 0 {
		return err
	}
	p := be.Problems[0]
	line := firstLine
	if p.Line > 0 {
		line = firstLine + p.Line - 1
	}
	more := len(be.Problems) - 1 + be.More
	msg := fmt.Sprintf("line %d: %s", line, p.String())
	if more > 0 {
		msg += fmt.Sprintf(" (and %d more problems in lines %d to %d)", more, firstLine, firstLine+len(be.Problems)+be.More)
	}
	return errors.New(msg)
}

// lineBatcher reads up to n non-blank lines at a time.
type lineBatcher struct {
	r    *bufio.Reader
	name string
	n    int
	line int
	buf  bytes.Buffer
}

func newLineBatcher(r io.Reader, name string, n int) *lineBatcher {
	return &lineBatcher{r: bufio.NewReaderSize(r, 1<<20), name: name, n: n}
}

// next returns the next chunk of lines and the 1-based number of its first
// line; io.EOF when the input is exhausted.
func (b *lineBatcher) next() ([]byte, int, error) {
	b.buf.Reset()
	first, count := 0, 0
	for count < b.n {
		line, err := b.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, 0, fmt.Errorf("%s: line %d: longer than 1 MiB", b.name, b.line+1)
		}
		if len(line) > 0 {
			b.line++
			if len(bytes.TrimSpace(line)) > 0 {
				if first == 0 {
					first = b.line
				}
				count++
			}
			b.buf.Write(line)
			if line[len(line)-1] != '\n' {
				b.buf.WriteByte('\n')
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", b.name, err)
		}
	}
	if count == 0 {
		return nil, 0, io.EOF
	}
	return b.buf.Bytes(), first, nil
}

// openInput opens a file or standard input, unwrapping gzip.
func openInput(name string) (io.ReadCloser, error) {
	var f io.ReadCloser = os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, fmt.Errorf("open input: %w", err)
		}
	}
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, nil
}

// atomicFile is an output written to a temporary file beside its name and
// renamed into place only when complete, so a failed run leaves no
// half-written file behind.
type atomicFile struct {
	name string
	f    *os.File
	w    *bufio.Writer
	done bool
}

func newAtomicFile(name string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	return &atomicFile{name: name, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (a *atomicFile) commit() error {
	if err := a.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", a.name, err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", a.name, err)
	}
	if err := os.Rename(a.f.Name(), a.name); err != nil {
		return fmt.Errorf("write %s: %w", a.name, err)
	}
	a.done = true
	return nil
}

func (a *atomicFile) abort() {
	if !a.done {
		a.f.Close()
		os.Remove(a.f.Name())
	}
}

// alertRecord turns an alert change into a line of the alerts file; life
// cycle changes (which do not happen offline) and summaries have none.
func alertRecord(ch alert.Change) (trackfile.AlertRecord, bool) {
	a := &ch.Alert
	instant := a.Rule == rules.RuleInbound || a.Rule == rules.RuleOutbound
	var event string
	switch ch.Kind {
	case alert.KindRaised:
		event = trackfile.AlertRaised
	case alert.KindUpdated:
		event = "updated"
		if !a.Active && !instant {
			event = "ended"
		}
	case alert.KindEscalated:
		event = "escalated"
	default:
		return trackfile.AlertRecord{}, false
	}
	ev := rules.Event{
		Rule: a.Rule, Severity: a.Severity, Track: a.Track, Time: a.Updated, Pos: a.Position,
		Sector: a.Sector, Chainage: a.Chainage, Distance: a.Distance,
		Zone: a.Zone, Barrier: a.Barrier, Crossing: a.Crossing, Members: a.Members,
		Count: a.Count, Summary: a.Summary,
	}
	switch {
	case instant:
		ev.Phase = rules.PhaseInstant
	case a.Active:
		ev.Phase = rules.PhaseBegin
	default:
		ev.Phase = rules.PhaseEnd
	}
	if ch.Kind == alert.KindRaised {
		ev.Time = a.Raised
	}
	if ch.Kind == alert.KindEscalated {
		ev.Time = ch.At
	}
	if a.PredictedCrossing != nil {
		ev.PredictedCrossing = *a.PredictedCrossing
	}
	if c, err := fusion.ParseClass(a.Class); err == nil {
		ev.Class = c
	}
	for _, e := range a.Evidence {
		ev.Evidence = append(ev.Evidence, fusion.ObsRef{Sensor: e.Sensor, Seq: e.Seq, Time: e.Time})
	}
	return trackfile.FromEvent(a.ID, event, ev), true
}
