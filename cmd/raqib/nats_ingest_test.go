package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestNATSIngest: a sensor publishing on raqib.obs.<sensor> gets the same
// validation, dedupe and durable acknowledgement as over HTTP.
func TestNATSIngest(t *testing.T) {
	m := startMain(t, "--nats-listen", "127.0.0.1:-1")
	url := m.evlog.ClientURL()
	if url == "" {
		t.Fatal("no NATS client URL with --nats-listen")
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	at := time.Now().UTC().Format(time.RFC3339Nano)
	obs := func(sensor string, seq int) string {
		return fmt.Sprintf(`{"sensor":%q,"seq":%d,"time":%q,"kind":"thermal_camera","position":{"lat":34.38,"lon":40.99},"accuracy_m":30,"class":"vehicle","confidence":0.9}`, sensor, seq, at)
	}
	request := func(subject, body string) natsReply {
		t.Helper()
		msg, err := nc.Request(subject, []byte(body), 10*time.Second)
		if err != nil {
			t.Fatalf("request %s: %v", subject, err)
		}
		var r natsReply
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			t.Fatalf("reply %s: %v", msg.Data, err)
		}
		return r
	}
	batch := "[" + obs("S06-C001", 1) + "," + obs("S06-C001", 2) + "]"
	if r := request("raqib.obs.S06-C001", batch); r.Error != nil || r.Accepted != 2 {
		t.Fatalf("first: %+v %+v", r, r.Error)
	}
	if r := request("raqib.obs.S06-C001", batch); r.Error != nil || r.Duplicates != 2 || r.Accepted != 0 {
		t.Fatalf("retry: %+v", r)
	}
	r := request("raqib.obs.S06-C002", "["+obs("S06-C001", 3)+"]")
	if r.Error == nil || r.Error.Code != "invalid" || !strings.Contains(r.Error.Message, "observations[0].sensor") {
		t.Fatalf("wrong subject: %+v", r.Error)
	}
	r = request("raqib.obs.S06-C001", `[{"sensor":"S06-C001"}]`)
	if r.Error == nil || !strings.Contains(r.Error.Message, "observations[0]") {
		t.Fatalf("bad batch: %+v", r.Error)
	}
	// A remote client may not touch the log's own subjects.
	if _, err := nc.Request("$JS.API.STREAM.DELETE.RAQIB_LOG", nil, 2*time.Second); err == nil {
		t.Fatal("a remote client reached the JetStream API")
	}
	code, body := get(t, m.URL()+"/api/v1/sensors/S06-C001")
	if code != 200 || !strings.Contains(string(body), "last_seen") {
		t.Fatalf("sensor after NATS ingest: %d %s", code, body)
	}
}
