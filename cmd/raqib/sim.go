package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"raqib/internal/sim"
	"raqib/internal/theater"
)

const simUsage = `Usage:
  raqib sim [--scenario NAME] [--seed N] [--start RFC3339|now] [--duration D] [--speed X|auto]
            [--intensity quiet|realistic|surge] [--weather W] (--out FILE | --addr HOST:PORT)
            [--truth FILE] [--heartbeats FILE] [--batch N] [--senders N] [--theater DIR]

Simulates the border's sensors over a scenario and writes the observations as NDJSON
(--out, - for standard output) or POSTs them to a Raqib server on this machine (--addr),
with the ground truth (--truth) for scoring. The same seed and flags give the same bytes.

Scenarios:
`

// maxSimBatch is the most records the ingest API takes in one request.
const maxSimBatch = 10_000

// simFlags are the sim command's flags, as given.
type simFlags struct {
	scenario, seed, start, duration, speed, intensity, weather string
	out, addr, truth, heartbeats, batch, senders, theater      string
	ca, token, seqBase                                         string
}

// simConfig is a checked sim command line.
type simConfig struct {
	opts              sim.Options
	speed             float64
	out, addr         string
	truth, heartbeats string
	batch, senders    int
	theaterDir        string
	ca, token         string
}

func (f *simFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.scenario, "scenario", "quiet-night", "the `scenario`: "+strings.Join(sim.ScenarioNames(), ", "))
	fs.StringVar(&f.seed, "seed", "1", "random `seed`")
	fs.StringVar(&f.seqBase, "seq-base", "0", "`number` added to every sequence number, so that runs one after another into one server are not taken for retries")
	fs.StringVar(&f.start, "start", "", "simulated `start` time, RFC 3339 or \"now\" (default: the scenario's night; with --addr, timed so simulated time never runs ahead of the clock)")
	fs.StringVar(&f.duration, "duration", "1h", "simulated `duration`")
	fs.StringVar(&f.speed, "speed", "auto", "`speed`: simulated seconds per wall second; 0 as fast as possible; auto: 1 with --addr, 0 otherwise")
	fs.StringVar(&f.intensity, "intensity", "realistic", "`intensity` of background clutter and animals: quiet, realistic (about 5,000 observations/s), surge (x10)")
	fs.StringVar(&f.weather, "weather", "1", "`visibility`, more than 0 (dust) to 1 (clear)")
	fs.StringVar(&f.out, "out", "", "write observations to this NDJSON `file`, - for standard output")
	fs.StringVar(&f.addr, "addr", "", "POST observations to the Raqib server at this loopback `host:port`")
	fs.StringVar(&f.token, "token", os.Getenv("RAQIB_TOKEN"), "with --addr: the API `token` of a sensor-role account (RAQIB_TOKEN)")
	fs.StringVar(&f.ca, "ca", "", "with --addr: speak HTTPS, trusting the server certificate in this PEM `file`")
	fs.StringVar(&f.truth, "truth", "", "write the ground truth to this NDJSON `file`")
	fs.StringVar(&f.heartbeats, "heartbeats", "", "write heartbeats to this NDJSON `file` (default with --addr: POST them)")
	fs.StringVar(&f.batch, "batch", "500", "`N` observations per HTTP request")
	fs.StringVar(&f.senders, "senders", "4", "at most `N` HTTP requests in flight")
	fs.StringVar(&f.theater, "theater", "", "theater `directory` (default: the embedded Iraq–Syria theater)")
}

// config checks every flag and reports every problem, each naming its
// flag.
func (f *simFlags) config(now time.Time) (simConfig, error) {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s %s", flag, fmt.Sprintf(format, args...)))
	}
	c := simConfig{out: f.out, addr: f.addr, truth: f.truth, heartbeats: f.heartbeats, theaterDir: f.theater, ca: f.ca, token: f.token}
	c.opts.Scenario = f.scenario
	sc, ok := sim.LookupScenario(f.scenario)
	if !ok {
		bad("scenario", "%q: unknown (want one of %s)", f.scenario, strings.Join(sim.ScenarioNames(), ", "))
	}
	var err error
	if c.opts.SeqBase, err = strconv.ParseUint(f.seqBase, 10, 64); err != nil || c.opts.SeqBase > 1<<62 {
		bad("seq-base", "%q: want a whole number from 0 to 2^62", f.seqBase)
	}
	if c.opts.Seed, err = strconv.ParseUint(f.seed, 10, 64); err != nil {
		bad("seed", "%q: want a whole number from 0", f.seed)
	}
	if c.opts.Duration, err = time.ParseDuration(f.duration); err != nil {
		bad("duration", "%q: want a duration such as 30m or 2h", f.duration)
	} else if c.opts.Duration < time.Second || c.opts.Duration > sim.MaxDuration {
		bad("duration", "%v: want 1s to %v", c.opts.Duration, sim.MaxDuration)
	}
	c.opts.Intensity = sim.Intensity(f.intensity)
	if c.opts.Intensity.Factor() == 0 {
		bad("intensity", "%q: want quiet, realistic or surge", f.intensity)
	}
	if c.opts.Weather, err = strconv.ParseFloat(f.weather, 64); err != nil || !(c.opts.Weather > 0 && c.opts.Weather <= 1) {
		bad("weather", "%q: want a number more than 0 and at most 1", f.weather)
	}
	c.speed, errs = f.checkSpeed(errs)
	switch f.start {
	case "":
		c.opts.Start = defaultStart(sc, f.addr != "", now, c.opts.Duration, c.speed)
	case "now":
		c.opts.Start = now.UTC().Truncate(time.Second)
	default:
		if c.opts.Start, err = time.Parse(time.RFC3339, f.start); err != nil {
			bad("start", `%q: want an RFC 3339 time such as 2026-11-23T22:00:00+03:00, or "now"`, f.start)
		}
	}
	errs = f.checkOutputs(&c, errs)
	return c, errors.Join(errs...)
}

// defaultStart is the scenario's night for files. For a server, which
// refuses sensor times more than a few minutes ahead of its clock, it is
// the time that makes the run end when the wall clock does, so that
// simulated time never runs ahead: now at speed 1, earlier when faster.
func defaultStart(sc sim.Scenario, server bool, now time.Time, dur time.Duration, speed float64) time.Time {
	now = now.UTC().Truncate(time.Second)
	switch {
	case !server:
		return sc.DefaultStart
	case speed == 0:
		return now.Add(-dur)
	case speed > 1:
		return now.Add(-time.Duration(float64(dur) * (1 - 1/speed))).Truncate(time.Second)
	}
	return now
}

func (f *simFlags) checkSpeed(errs []error) (float64, []error) {
	if f.speed == "auto" {
		if f.addr != "" {
			return 1, errs
		}
		return 0, errs
	}
	v, err := strconv.ParseFloat(f.speed, 64)
	if err != nil || !(v >= 0 && v <= 1e6) {
		return 0, append(errs, fmt.Errorf(`--speed %q: want 0 (as fast as possible), a factor such as 10, or "auto"`, f.speed))
	}
	return v, errs
}

func (f *simFlags) checkOutputs(c *simConfig, errs []error) []error {
	switch {
	case f.out != "" && f.addr != "":
		errs = append(errs, errors.New("--out and --addr: give one of them"))
	case f.out == "" && f.addr == "":
		errs = append(errs, errors.New("--out FILE or --addr HOST:PORT: say where the observations go"))
	case f.addr != "":
		if err := sim.CheckLoopback(f.addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr %w", err))
		}
	}
	if f.ca != "" && f.addr == "" {
		errs = append(errs, errors.New("--ca: only with --addr"))
	}
	for _, p := range []struct{ flag, v string }{{"truth", f.truth}, {"heartbeats", f.heartbeats}} {
		if p.v == "-" {
			errs = append(errs, fmt.Errorf("--%s: only --out may be standard output", p.flag))
		}
	}
	var err error
	if c.batch, err = strconv.Atoi(f.batch); err != nil || c.batch < 1 || c.batch > maxSimBatch {
		errs = append(errs, fmt.Errorf("--batch %q: want 1 to %d records (the server's limit)", f.batch, maxSimBatch))
	}
	if c.senders, err = strconv.Atoi(f.senders); err != nil || c.senders < 1 || c.senders > 64 {
		errs = append(errs, fmt.Errorf("--senders %q: want 1 to 64", f.senders))
	}
	return errs
}

// runSim runs the simulator: raqib sim [flags].
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printSimUsage(stderr, fs) }
	var f simFlags
	f.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return simUsageError(stderr, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg, err := f.config(time.Now())
	if err != nil {
		return simUsageError(stderr, err)
	}
	fsys, source := theaterFS(cfg.theaterDir)
	th, err := theater.Load(fsys)
	if err != nil {
		return fmt.Errorf("sim: theater %s: %w", source, err)
	}
	g, err := sim.New(th, cfg.opts)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	report := stdout
	if cfg.out == "-" {
		report = stderr
	}
	return runSimOutputs(ctx, g, cfg, stdout, stderr, report)
}

// simOutputs are the open destinations of a run.
type simOutputs struct {
	sinks  sim.Sinks
	files  []*os.File
	sender *sim.Sender
}

// openSimOutputs opens the files and the sender the flags name.
func openSimOutputs(cfg simConfig, stdout, stderr io.Writer) (*simOutputs, error) {
	o := &simOutputs{}
	open := func(flag, path string) (io.Writer, error) {
		if path == "-" {
			return stdout, nil
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		o.files = append(o.files, f)
		return f, nil
	}
	if cfg.out != "" {
		w, err := open("out", cfg.out)
		if err != nil {
			return o, err
		}
		o.sinks.Observations = sim.NewFileSink[sim.Observation](w)
	} else {
		logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		opts := sim.SenderOptions{Concurrency: cfg.senders, Logger: logger.With("component", "sim"), Token: cfg.token}
		if cfg.ca != "" {
			tc, err := clientTLS(cfg.ca)
			if err != nil {
				return o, err
			}
			opts.TLS = tc
		}
		s, err := sim.NewSender(cfg.addr, opts)
		if err != nil {
			return o, fmt.Errorf("--addr %w", err)
		}
		o.sender = s
		o.sinks.Observations = sim.NewHTTPSink[sim.Observation](s, sim.ObservationsPath, cfg.batch)
		if cfg.heartbeats == "" {
			o.sinks.Heartbeats = sim.NewHTTPSink[sim.Heartbeat](s, sim.HeartbeatsPath, cfg.batch)
		}
	}
	if cfg.heartbeats != "" {
		w, err := open("heartbeats", cfg.heartbeats)
		if err != nil {
			return o, err
		}
		o.sinks.Heartbeats = sim.NewFileSink[sim.Heartbeat](w)
	}
	if cfg.truth != "" {
		w, err := open("truth", cfg.truth)
		if err != nil {
			return o, err
		}
		o.sinks.Truth = sim.NewFileSink[sim.TruthRecord](w)
	}
	return o, nil
}

// close waits for the sender and closes the files, returning the first
// error.
func (o *simOutputs) close() error {
	var errs []error
	if o.sender != nil {
		errs = append(errs, o.sender.Close())
	}
	for _, f := range o.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// runSimOutputs runs into the outputs, closes them and prints the
// summary to report.
func runSimOutputs(ctx context.Context, g *sim.Generator, cfg simConfig, stdout, stderr, report io.Writer) error {
	out, err := openSimOutputs(cfg, stdout, stderr)
	if err != nil {
		return errors.Join(fmt.Errorf("sim: %w", err), out.close())
	}
	sum, err := sim.Run(ctx, g, out.sinks, cfg.speed)
	if cerr := out.close(); err == nil {
		err = cerr
	}
	if out.sender != nil {
		d := out.sender.Stats()
		sum.Delivery = &d
	}
	if werr := sum.Write(report); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}

// simUsageError prints a command-line mistake and marks it for exit
// status 2.
func simUsageError(stderr io.Writer, err error) error {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(stderr, "raqib sim: %s\n", line)
	}
	fmt.Fprintln(stderr, `Run "raqib sim -h" for the flags.`)
	return fmt.Errorf("sim: %w: %w", err, errUsage)
}

func printSimUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, simUsage)
	for _, s := range sim.Scenarios() {
		fmt.Fprintf(w, "  %-20s %s\n", s.Name, s.Description)
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.PrintDefaults()
}
