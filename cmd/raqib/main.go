// Command raqib is Raqib's one binary: the server, the demo, and the tools
// around them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			return "dev-" + rev + dirty
		}
	}
	return "dev"
}

const usage = `raqib — border-surveillance command and control

Usage:
  raqib serve   [flags]          run the server
  raqib demo    [flags]          run the server with the Iraq–Syria theater for a demonstration
  raqib replay  --from T [--to T] [--sector S]   write the log's observations of a window as NDJSON
  raqib load    [--addr A] [--rate N] [--duration D] [--batch B]   drive a running server's ingest (loopback only)
  raqib sim     [flags]          simulate the border's sensors, to a server or to files
  raqib track   --in OBS --out TRACKS [--alerts ALERTS]   run observations through fusion, rules and alerts offline
  raqib score   --truth T --tracks T --alerts A [--json]  score tracks and alerts against the simulator's truth
  raqib theater validate [DIR]   check a theater directory (default: the embedded one)
  raqib theater export [flags]   write the theater's layers as GeoJSON
  raqib theater import [flags]   rebuild the border line from Natural Earth (world-atlas)
  raqib user add|passwd|grant|revoke|disable|enable|unlock|list   manage accounts (grants need a second person)
  raqib token issue|revoke|list  API tokens for programs and sensors
  raqib request list|approve|reject   dual-control requests
  raqib audit verify [--key K] [FILE]   recompute the audit trail's hash chain and check its signatures
  raqib audit export [--from T] [--to T] [--out FILE]   write the audit trail as NDJSON
  raqib version                  print the version

Run "raqib COMMAND -h" for a command's flags.
`

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "raqib:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr, false)
	case "demo":
		return runServe(ctx, rest, stdout, stderr, true)
	case "replay":
		return runReplay(ctx, rest, stdout, stderr)
	case "load":
		return runLoad(ctx, rest, stdout, stderr)
	case "track":
		return runTrack(ctx, rest, stdout, stderr)
	case "score":
		return runScore(ctx, rest, stdout, stderr)
	case "sim":
		return runSim(ctx, rest, stdout, stderr)
	case "theater":
		return runTheater(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "user":
		return runUser(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "request":
		return runRequest(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "raqib", buildVersion())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "raqib: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}
