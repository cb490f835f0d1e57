package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"raqib/internal/api"
	"raqib/internal/errs"
	"raqib/internal/theater"
)

func TestHealthAndReady(t *testing.T) {
	f := newFixture(t)
	if code, _, body := f.do(t, "GET", "/healthz", ""); code != 200 || !bytes.Contains(body, []byte(`"ok"`)) {
		t.Fatalf("healthz %d %s", code, body)
	}
	code, _, body := f.do(t, "GET", "/readyz", "")
	if code != 200 || !bytes.Contains(body, []byte(`"store":"ok"`)) {
		t.Fatalf("readyz %d %s", code, body)
	}
	f.db.Close()
	code, hdr, body := f.do(t, "GET", "/readyz", "")
	if code != 503 || hdr.Get("Content-Type") != "application/json" || !bytes.Contains(body, []byte("not ready")) {
		t.Fatalf("readyz with the store closed: %d %s", code, body)
	}
	if bytes.Contains(body, []byte("sql:")) {
		t.Fatalf("readyz leaks driver text: %s", body)
	}
}

func TestTheaterGeoJSON(t *testing.T) {
	f := newFixture(t)
	code, hdr, body := f.do(t, "GET", "/api/v1/theater", "")
	if code != 200 || hdr.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("theater: %d %s", code, hdr.Get("Content-Type"))
	}
	fc := decode[theater.FeatureCollection](t, body)
	layers := map[string]int{}
	for _, ft := range fc.Features {
		layers[ft.Properties["layer"].(string)]++
	}
	for _, l := range theater.Layers {
		if layers[string(l)] == 0 {
			t.Errorf("layer %s missing from the export", l)
		}
	}
	if layers["cameras"] != 960 {
		t.Errorf("cameras in export = %d, want 960", layers["cameras"])
	}

	code, _, body = f.do(t, "GET", "/api/v1/theater?layer=cameras&sector=S01", "")
	if code != 200 {
		t.Fatalf("filtered: %d %s", code, body)
	}
	fc = decode[theater.FeatureCollection](t, body)
	want := len(embeddedTheater(t).SectorCameras("S01"))
	if len(fc.Features) != want || want == 0 {
		t.Fatalf("S01 cameras = %d, want %d", len(fc.Features), want)
	}
	for _, ft := range fc.Features {
		if ft.Properties["layer"] != "cameras" || ft.Properties["sector"] != "S01" {
			t.Fatalf("filter leaked %v", ft.Properties)
		}
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		method, path, body string
		status             int
		code, mention      string
	}{
		{"GET", "/api/v1/theater?layer=roads", "", 400, "invalid", "roads"},
		{"GET", "/api/v1/theater?sector=S99", "", 404, "not_found", "S99"},
		{"GET", "/api/v1/sectors/S99", "", 404, "not_found", "S99"},
		{"GET", "/api/v1/cameras?sector=nope", "", 404, "not_found", "nope"},
		{"GET", "/api/v1/crossings/X-NOPE/history", "", 404, "not_found", "X-NOPE"},
		{"GET", "/api/v1/no-such-thing", "", 404, "not_found", "/api/v1/no-such-thing"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":"ajar"}`, 400, "invalid", "status"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":"open","colour":"red"}`, 400, "invalid", "colour"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":7}`, 400, "invalid", "status"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":"open"`, 400, "invalid", "malformed"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":"open"} {}`, 400, "invalid", "after"},
		{"POST", "/api/v1/crossings/X-QAIM/status", ``, 400, "invalid", "empty"},
		{"POST", "/api/v1/crossings/X-QAIM/status", `{"status":"open","note":"` + strings.Repeat("x", 70000) + `"}`, 413, "too_large", "bytes"},
		{"POST", "/api/v1/crossings/X-NOPE/status", `{"status":"open"}`, 404, "not_found", "X-NOPE"},
		{"POST", "/api/v1/barriers/B-NOPE/progress", `{"status":"complete","progress_pct":100}`, 404, "not_found", "B-NOPE"},
		{"POST", "/api/v1/barriers/" + embeddedTheater(t).Barriers[0].ID + "/progress", `{"status":"complete"}`, 400, "invalid", "progress_pct"},
		{"POST", "/api/v1/barriers/" + embeddedTheater(t).Barriers[0].ID + "/progress", `{"status":"complete","progress_pct":120}`, 400, "invalid", "progress_pct"},
		{"POST", "/api/v1/barriers/" + embeddedTheater(t).Barriers[0].ID + "/progress", `{"status":"complete","progress_pct":60}`, 400, "invalid", "100"},
		{"DELETE", "/api/v1/sectors/S01", "", 405, "invalid", "allowed: GET"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, hdr, body := f.do(t, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, truncate(body))
			}
			if tc.code == "" {
				return
			}
			if hdr.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
			}
			e := decode[errorBody](t, body)
			if e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.mention) {
				t.Fatalf("error %+v, want code %s mentioning %q", e.Error, tc.code, tc.mention)
			}
		})
	}
	// Nothing refused changed the crossing's history.
	_, _, body := f.do(t, "GET", "/api/v1/crossings/X-QAIM/history", "")
	h := decode[struct{ History []theater.CrossingChange }](t, body)
	for _, c := range h.History {
		if c.By != "theater" {
			t.Fatalf("a refused request was stored: %+v", c)
		}
	}
}

func TestCrossingStatusChange(t *testing.T) {
	f := newFixture(t)
	code, _, body := f.do(t, "POST", "/api/v1/crossings/X-RABIA/status", `{"status":"closed","note":"closed for the night"}`)
	if code != 201 {
		t.Fatalf("set status: %d %s", code, body)
	}
	_, _, body = f.do(t, "GET", "/api/v1/crossings?sector="+embeddedTheater(t).Crossing("X-RABIA").Sector, "")
	list := decode[struct{ Crossings []theater.CrossingView }](t, body)
	if len(list.Crossings) == 0 || list.Crossings[0].ID != "X-RABIA" || list.Crossings[0].Status != "closed" || list.Crossings[0].Note != "closed for the night" {
		t.Fatalf("crossings = %+v", list.Crossings)
	}
	_, _, body = f.do(t, "GET", "/api/v1/theater?layer=crossings", "")
	fc := decode[theater.FeatureCollection](t, body)
	found := false
	for _, ft := range fc.Features {
		if ft.Properties["id"] == "X-RABIA" {
			found = true
			if ft.Properties["status"] != "closed" {
				t.Fatalf("GeoJSON shows status %v", ft.Properties["status"])
			}
		}
	}
	if !found {
		t.Fatal("X-RABIA missing from the GeoJSON")
	}
	_, _, body = f.do(t, "GET", "/api/v1/crossings/X-RABIA/history", "")
	h := decode[struct{ History []theater.CrossingChange }](t, body)
	if n := len(h.History); n < 2 || h.History[n-1].Status != "closed" {
		t.Fatalf("history = %+v", h.History)
	}
}

func TestBarrierProgress(t *testing.T) {
	f := newFixture(t)
	var target *theater.Barrier
	for _, b := range embeddedTheater(t).Barriers {
		if b.Status == theater.BarrierUnderConstruction {
			target = b
			break
		}
	}
	if target == nil {
		t.Fatal("no barrier under construction in the theater")
	}
	code, _, body := f.do(t, "POST", "/api/v1/barriers/"+target.ID+"/progress", `{"status":"under_construction","progress_pct":88.5}`)
	if code != 201 {
		t.Fatalf("%d %s", code, body)
	}
	_, _, body = f.do(t, "GET", "/api/v1/barriers?sector="+target.Sectors[0], "")
	list := decode[struct{ Barriers []theater.BarrierView }](t, body)
	for _, b := range list.Barriers {
		if b.ID == target.ID {
			if b.ProgressPct != 88.5 {
				t.Fatalf("progress %v", b.ProgressPct)
			}
			return
		}
	}
	t.Fatalf("barrier %s not listed for sector %s", target.ID, target.Sectors[0])
}

func TestSectorsAndCameras(t *testing.T) {
	f := newFixture(t)
	th := embeddedTheater(t)
	_, _, body := f.do(t, "GET", "/api/v1/sectors", "")
	list := decode[struct {
		Sectors []struct {
			ID      string `json:"id"`
			Cameras int    `json:"cameras"`
			Force   string `json:"force"`
		}
	}](t, body)
	if len(list.Sectors) != len(th.Sectors) {
		t.Fatalf("%d sectors, want %d", len(list.Sectors), len(th.Sectors))
	}
	total := 0
	for _, s := range list.Sectors {
		if s.Cameras == 0 || s.Force == "" {
			t.Errorf("sector %+v", s)
		}
		total += s.Cameras
	}
	if total != 960 {
		t.Errorf("cameras over sectors = %d", total)
	}
	code, _, body := f.do(t, "GET", "/api/v1/sectors/"+th.Sectors[0].ID, "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	d := decode[struct {
		ID      string            `json:"id"`
		Cameras []json.RawMessage `json:"cameras"`
		Posts   []json.RawMessage `json:"posts"`
	}](t, body)
	if d.ID != th.Sectors[0].ID || len(d.Cameras) == 0 || len(d.Posts) == 0 {
		t.Fatalf("sector detail: id %s, %d cameras, %d posts", d.ID, len(d.Cameras), len(d.Posts))
	}
	_, _, body = f.do(t, "GET", "/api/v1/cameras", "")
	cams := decode[struct {
		Count   int `json:"count"`
		Cameras []struct {
			Position struct{ Lat, Lon float64 } `json:"position"`
		} `json:"cameras"`
	}](t, body)
	if cams.Count != 960 || len(cams.Cameras) != 960 || cams.Cameras[0].Position.Lat == 0 {
		t.Fatalf("cameras: count %d", cams.Count)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/healthz", "/api/v1/sectors", "/api/v1/nope"} {
		_, hdr, _ := f.do(t, "GET", path, "")
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
		} {
			if hdr.Get(k) != want {
				t.Errorf("%s: %s = %q", path, k, hdr.Get(k))
			}
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.do(t, "GET", "/api/v1/sectors", "")
	_, _, body := f.do(t, "GET", "/metrics", "")
	if !bytes.Contains(body, []byte(`raqib_http_requests_total{code="200",route="GET /api/v1/sectors"}`)) {
		t.Fatalf("metrics lack the request counter:\n%s", truncate(body))
	}
}

// TestStatusTable: every code has a status, and unknown errors are 500.
func TestStatusTable(t *testing.T) {
	for _, c := range errs.Codes {
		if s := api.StatusOf(errs.E(c, "x")); s < 400 || s > 599 {
			t.Errorf("code %s maps to %d", c, s)
		}
	}
	if s := api.StatusOf(io.EOF); s != 500 {
		t.Errorf("a plain error maps to %d", s)
	}
}
