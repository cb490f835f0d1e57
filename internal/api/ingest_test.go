package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"raqib/internal/eventlog"
	"raqib/internal/ingest"
	"raqib/internal/sensor"
)

func obsJSON(sensorID string, seq int, at time.Time) string {
	return fmt.Sprintf(`{"sensor":%q,"seq":%d,"time":%q,"kind":"thermal_camera","position":{"lat":34.38,"lon":40.99},"accuracy_m":35,"class":"person","confidence":0.8}`,
		sensorID, seq, at.UTC().Format(time.RFC3339Nano))
}

// stored counts the observations in the log, by (sensor, seq).
func stored(t *testing.T, f *fixture) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := f.log.ReplayFrom(context.Background(), eventlog.Position{}, func(r eventlog.Record) error {
		if uint8(r.Kind) != ingest.RecordObservations {
			return nil
		}
		obs, err := sensor.DecodeEncoded(r.Payload, sensor.DefaultLimits)
		if err != nil {
			return err
		}
		for _, o := range obs {
			out[fmt.Sprintf("%s/%d", o.Sensor, o.Seq)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIngestObservations(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	batch := "[" + obsJSON("S05-C012", 1, now) + "," + obsJSON("S05-C012", 2, now) + "]"
	code, _, body := f.do(t, "POST", "/api/v1/observations", batch)
	if code != 200 || !bytes.Contains(body, []byte(`"accepted":2`)) {
		t.Fatalf("%d %s", code, body)
	}
	// A retry is recognised; a batch mixing old and new stores the new only.
	code, _, body = f.do(t, "POST", "/api/v1/observations", batch)
	if code != 200 || !bytes.Contains(body, []byte(`"accepted":0,"duplicates":2`)) {
		t.Fatalf("retry: %d %s", code, body)
	}
	code, _, body = f.do(t, "POST", "/api/v1/observations", "["+obsJSON("S05-C012", 2, now)+","+obsJSON("S05-C012", 3, now)+"]")
	if code != 200 || !bytes.Contains(body, []byte(`"accepted":1,"duplicates":1`)) {
		t.Fatalf("mixed: %d %s", code, body)
	}
	got := stored(t, f)
	for _, k := range []string{"S05-C012/1", "S05-C012/2", "S05-C012/3"} {
		if got[k] != 1 {
			t.Errorf("%s stored %d times", k, got[k])
		}
	}
	if len(got) != 3 {
		t.Errorf("stored %v", got)
	}
	// The sensor is seen.
	code, _, body = f.do(t, "GET", "/api/v1/sensors/S05-C012", "")
	if code != 200 || !bytes.Contains(body, []byte(`"last_seen"`)) || !bytes.Contains(body, []byte(`"sector":"S05"`)) {
		t.Fatalf("sensor: %d %s", code, body)
	}
}

func TestIngestRefusesWholeBatch(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	good := obsJSON("S01-C001", 1, now)
	cases := []struct {
		name, body, mention string
		status              int
	}{
		{"bad latitude", "[" + good + "," + strings.Replace(obsJSON("S01-C001", 2, now), "34.38", "91.2", 1) + "]", "observations[1].position.lat: 91.2", 400},
		{"unknown camera", "[" + good + "," + obsJSON("S99-C999", 1, now) + "]", "observations[1].sensor", 400},
		{"unknown field", `[` + strings.Replace(good, `"seq"`, `"colour":"red","seq"`, 1) + `]`, "colour", 400},
		{"not an array", good, "array", 400},
		{"future", "[" + obsJSON("S01-C001", 5, now.Add(time.Hour)) + "]", "observations[0].time", 400},
		{"empty", "", "", 400},
		{"too many", "[" + strings.Repeat(good+",", 10000) + good + "]", "", 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, "POST", "/api/v1/observations", tc.body)
			e := decode[errorBody](t, body)
			if code != tc.status || !strings.Contains(e.Error.Message, tc.mention) {
				t.Fatalf("%d %s, want %d mentioning %q", code, truncate(body), tc.status, tc.mention)
			}
		})
	}
	if got := stored(t, f); len(got) != 0 {
		t.Fatalf("refused batches stored %v", got)
	}
}

func TestIngestGzipAndNDJSON(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	nd := obsJSON("S02-C001", 1, now) + "\n" + obsJSON("S02-C001", 2, now) + "\n"
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(nd))
	zw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/observations", &zb)
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Content-Encoding", "gzip")
	f.admin.set(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("gzip NDJSON: %d", resp.StatusCode)
	}
	if got := stored(t, f); got["S02-C001/1"] != 1 || got["S02-C001/2"] != 1 {
		t.Fatalf("stored %v", got)
	}
}

func TestHeartbeatsAndSensorList(t *testing.T) {
	f := newFixture(t)
	hb := fmt.Sprintf(`[{"sensor":"S03-C004","time":%q,"health":"degraded","note":"lens fogging"}]`, time.Now().UTC().Format(time.RFC3339))
	if code, _, body := f.do(t, "POST", "/api/v1/heartbeats", hb); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	f.ingest.SweepHealth(context.Background())
	code, _, body := f.do(t, "GET", "/api/v1/sensors?sector=S03&health=degraded", "")
	if code != 200 || !bytes.Contains(body, []byte(`"S03-C004"`)) || !bytes.Contains(body, []byte("lens fogging")) {
		t.Fatalf("%d %s", code, truncate(body))
	}
	for _, bad := range []string{"/api/v1/sensors?health=sleepy", "/api/v1/sensors?sector=S77", "/api/v1/sensors/NOPE"} {
		if code, _, _ := f.do(t, "GET", bad, ""); code < 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
}
