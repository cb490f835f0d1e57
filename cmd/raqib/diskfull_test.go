package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a small tmpfs for the test, or skips when this machine
// does not allow it (it needs root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount tmpfs (the full-disk test needs root in CI): %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (%v: %s); the full-disk test needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a ballast file until the file system has about keep
// bytes left.
func fillDisk(t *testing.T, dir string, keep int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for left := free - keep; left > 0; left -= int64(len(chunk)) {
		n := min(int64(len(chunk)), left)
		if _, err := f.Write(chunk[:n]); err != nil {
			break
		}
	}
	return path
}

type errorReply struct {
	Error struct{ Code, Message string }
}

// TestDiskFull runs the server with its data directory on a small tmpfs,
// fills the disk, and checks that ingest answers 503 with a clear message,
// keeps everything it acknowledged, and resumes by itself once space is
// freed.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("the full-disk test runs the server as a child process")
	}
	mnt := mountTmpfs(t, "96m")
	data := filepath.Join(mnt, "data")
	c := startChild(t, data)
	defer c.kill()
	client := &http.Client{Timeout: 60 * time.Second}
	base := time.Now().UTC()
	acked := map[obsKey]bool{}
	ballast := fillDisk(t, mnt, 3<<20)

	var refusal errorReply
	var seq uint64
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		b := sentBatch{sensor: "FULL-1", first: seq + 1, n: 500, at: base.Add(time.Duration(seq) * time.Millisecond)}
		req, err := http.NewRequest("POST", c.url+"/api/v1/observations", strings.NewReader(string(batchJSON(b.sensor, b.first, b.n, b.at))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		authorize(req)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			for _, k := range b.keys() {
				acked[k] = true
			}
			seq += uint64(b.n)
			continue
		}
		if resp.StatusCode != 503 {
			t.Fatalf("full disk answered %d: %s", resp.StatusCode, body)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		if err := json.Unmarshal(body, &refusal); err != nil {
			t.Fatalf("503 body: %v: %s", err, body)
		}
		break
	}
	if refusal.Error.Code != "unavailable" || !strings.Contains(refusal.Error.Message, "event log") {
		t.Fatalf("no clear refusal before the deadline: %+v (acknowledged %d)", refusal, len(acked))
	}
	t.Logf("refused after %d acknowledged observations: %s", len(acked), refusal.Error.Message)

	// Free the space: ingest must resume by itself.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	resumed := false
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		b := sentBatch{sensor: "FULL-1", first: seq + 1, n: 100, at: base.Add(time.Duration(seq) * time.Millisecond)}
		code, err := postBatch(client, c.url, b)
		if err == nil && code == 200 {
			for _, k := range b.keys() {
				acked[k] = true
			}
			seq += uint64(b.n)
			resumed = true
			break
		}
	}
	if !resumed {
		t.Fatalf("ingest did not resume after space was freed\n%s", c.stderr.String())
	}
	c.stop(t)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runCommand(t, ctx, "replay", "--data", data, "--from", base.Add(-time.Hour).Format(time.RFC3339), "--to", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[obsKey]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o struct {
			Sensor string `json:"sensor"`
			Seq    uint64 `json:"seq"`
		}
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("replay line %q: %v", line, err)
		}
		seen[obsKey{o.Sensor, o.Seq}]++
	}
	for k := range acked {
		if seen[k] != 1 {
			t.Fatalf("acknowledged %v present %d times after the full disk", k, seen[k])
		}
	}
}
