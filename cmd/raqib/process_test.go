package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real binary as a child process, so they
// can kill it.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// raqibBinary builds cmd/raqib once per test run.
func raqibBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "raqib-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "raqib")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// child is a raqib server running as a separate process.
type child struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited is closed
}

var servingRE = regexp.MustCompile(`msg=serving url=(http://127\.0\.0\.1:\d+)`)

// startChild starts `raqib serve` on a random loopback port and waits
// until it is ready.
func startChild(t *testing.T, dataDir string, extra ...string) *child {
	t.Helper()
	tok := dirToken(t, dataDir)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, extra...)
	cmd := exec.Command(raqibBinary(t), args...)
	cmd.Env = append(os.Environ(), "RAQIB_LOG_FORMAT=text")
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	urlc := make(chan string, 1)
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			if c.stderr.Len() < 1<<20 {
				c.stderr.WriteString(line + "\n")
			}
			mu.Unlock()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { c.err = cmd.Wait(); pw.Close(); close(c.exited) }()
	select {
	case c.url = <-urlc:
	case <-c.exited:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("server exited before serving: %v\n%s", c.err, c.stderr.String())
	case <-time.After(60 * time.Second):
		c.kill()
		t.Fatalf("server did not start in time\n%s", c.stderr.String())
	}
	if err := waitReady(c.url, 60*time.Second); err != nil {
		c.kill()
		t.Fatalf("server not ready: %v\n%s", err, c.stderr.String())
	}
	serverToken(c.url, tok)
	return c
}

func waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			last = fmt.Errorf("readyz %d", resp.StatusCode)
		} else {
			last = err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

// kill ends the child with SIGKILL and waits for it; it does nothing to a
// child that has already exited.
func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
}

// stop ends the child with SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		if c.err != nil {
			t.Fatalf("server exit: %v\n%s", c.err, c.stderr.String())
		}
	case <-time.After(30 * time.Second):
		c.kill()
		t.Fatal("server did not stop on SIGTERM")
	}
}

// runCommand runs the binary to completion and returns its stdout.
func runCommand(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, raqibBinary(t), args...)
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			if tok := tokenFor(args[i+1]); tok != "" {
				cmd.Env = append(os.Environ(), "RAQIB_TOKEN="+tok)
			}
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("raqib %s: %v: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}
